// The common ingest's targets, found by id or by external id and then locked, in one
// statement: the rows objects/compare_linked found the graph does not hold (a re-sync
// of unchanged rows finds and locks none). The locks go in id order, as references/lock
// takes them (concurrent writers lock in one order and do not deadlock). A write of the
// value a node holds takes its write lock and changes nothing.
// found: [id, external id] of each target found before its lock; locked: how many of
// them are found again once every lock is held (fewer: one was deleted meanwhile).
CALL () {
  UNWIND $ids AS id
  MATCH (n:{{Label}} {workspace: $workspace, id: id})
  RETURN n
  UNION
  UNWIND $external_ids AS external_id
  MATCH (n:{{Label}} {workspace: $workspace, external_id: external_id})
  RETURN n
}
WITH n, n.id AS id, n.external_id AS external_id
ORDER BY id
SET n.id = id
// Pairs, not two lists: collect() skips nulls, and a target may have no external id.
WITH collect([id, external_id]) AS found
RETURN found, size([pair IN found WHERE EXISTS { (:{{Label}} {workspace: $workspace, id: pair[0]}) }]) AS locked
