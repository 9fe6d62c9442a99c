// How many targets one holder has through this relationship, counted as targets_page
// reads them (a reference from a type to itself counts only its own direction).
MATCH (h:{{Holder}} {workspace: $workspace, id: $holder})
RETURN COUNT {
  MATCH (h)-[r:{{Rel}}]-(:{{Target}})
  WHERE CASE WHEN $outgoing THEN startNode(r) ELSE endNode(r) END = h
} AS count
