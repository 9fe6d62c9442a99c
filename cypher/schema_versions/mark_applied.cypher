// Record that the owner finished applying a migration.
MATCH (m:_RefgraphMigration {scope: $scope, version: $version, owner: $owner})
SET m.state = 'applied',
    m.applied_at = datetime()
RETURN m.version AS version
