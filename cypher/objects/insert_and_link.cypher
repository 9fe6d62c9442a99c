// The common ingest's rows the comparison found no object for, created: a CREATE where
// objects/upsert_and_link MERGEs, which costs much less (bench/README.md, issue 20's fourth
// session). Targets are ids the caller found and locked. Another writer that made one of
// these objects meanwhile makes the uniqueness constraint on (workspace, external_id)
// refuse the statement: the write runs again and merges every row (store/one_pass.py).
// The answer has upsert_and_link's columns, so the events are made the same way.
UNWIND $rows AS row
CREATE (n:{{Label}} {workspace: $workspace, external_id: row.external_id, id: row.new_id})
SET n += row.props,
    n.created_at = datetime.transaction(),
    n.updated_at = datetime.transaction()
WITH n, row
CALL (n, row) {
  UNWIND row.targets AS target
  MATCH (t:{{Target}} {workspace: $workspace, id: target})
  CREATE (n)-[:{{Rel}} {written_at: datetime.transaction(), source_one: CASE WHEN $source_one THEN n.id END}]->(t)
}
RETURN collect(n.id) AS ids, collect(true) AS created, collect(true) AS changed,
       collect([]) AS before, collect([]) AS removed, collect([]) AS added
