// The migrations recorded for a scope, in version order.
// $scope: the migration set ("refgraph" for the service's own).
MATCH (m:_RefgraphMigration {scope: $scope})
RETURN m.version AS version, m.name AS name, m.checksum AS checksum,
       m.state AS state, m.owner AS owner, m.started_at AS started_at,
       m.applied_at AS applied_at
ORDER BY version
