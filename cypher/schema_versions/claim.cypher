// Claim a migration for one process. A second claimant gets a constraint error.
CREATE (m:_RefgraphMigration {
  scope: $scope, version: $version, name: $name, checksum: $checksum,
  state: 'applying', owner: $owner, started_at: datetime()
})
RETURN m.version AS version
