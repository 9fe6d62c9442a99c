// The common ingest's targets, found by id or by external id and write-locked in one
// pass, in id order (the order every writer locks in, so concurrent writers do not
// deadlock). The caller sends it before checking the batch's values, and reads the
// answer after: Neo4j looks the targets up while Python checks.
CALL () {
  UNWIND $ids AS id
  MATCH (n:{{Label}} {workspace: $workspace, id: id})
  RETURN n
  UNION
  UNWIND $external_ids AS external_id
  MATCH (n:{{Label}} {workspace: $workspace, external_id: external_id})
  RETURN n
}
WITH n ORDER BY n.id
SET n._lock = true
REMOVE n._lock
// Pairs, not two lists: collect() skips nulls, and a target may have no external id.
RETURN collect([n.id, n.external_id]) AS found
