// Which of these ids exist for a type in a workspace.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
// Pairs, not two lists: collect() skips nulls, and an object may have no external id.
RETURN collect([n.id, n.external_id]) AS found
