// Give up a claim after a failed migration so that a later start retries it.
MATCH (m:_RefgraphMigration {scope: $scope, version: $version, owner: $owner, state: 'applying'})
DELETE m
