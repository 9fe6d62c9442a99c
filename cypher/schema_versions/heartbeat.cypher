// The owner applying a migration says it is alive: a claim is stale only when its
// heartbeat (or start) is older than the stale limit, however long the migration runs.
// Whether the claim is still this owner's.
OPTIONAL MATCH (m:_RefgraphMigration {scope: $scope, version: $version, owner: $owner, state: 'applying'})
SET m.heartbeat_at = datetime()
RETURN m IS NOT NULL AS beating
