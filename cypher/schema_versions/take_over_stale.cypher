// Take over a claim left 'applying' by a process that died: no heartbeat (see
// heartbeat.cypher) for longer than $stale_after_s seconds. The write lock is taken before the state is read, so two
// processes never both take it over.
MATCH (m:_RefgraphMigration {scope: $scope, version: $version})
SET m._lock = true
REMOVE m._lock
WITH m
WHERE m.state = 'applying'
  AND coalesce(m.heartbeat_at, m.started_at) < datetime() - duration({seconds: $stale_after_s})
SET m.owner = $owner,
    m.started_at = datetime(),
    m.heartbeat_at = datetime()
RETURN m.version AS version
