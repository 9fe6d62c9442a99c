// The common ingest's targets, found by id or by external id, without locks: those of
// the rows objects/compare_linked found the graph does not hold (a re-sync of unchanged
// rows looks none up). The rows written then lock theirs (references/lock).
CALL () {
  UNWIND $ids AS id
  MATCH (n:{{Label}} {workspace: $workspace, id: id})
  RETURN n
  UNION
  UNWIND $external_ids AS external_id
  MATCH (n:{{Label}} {workspace: $workspace, external_id: external_id})
  RETURN n
}
// Pairs, not two lists: collect() skips nulls, and a target may have no external id.
RETURN collect([n.id, n.external_id]) AS found
