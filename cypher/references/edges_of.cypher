// Every association of a reference attribute in a workspace, seen from its holders.
MATCH (h:{{Holder}} {workspace: $workspace})-[r:{{Rel}}]-(t:{{Target}})
WHERE CASE WHEN $outgoing THEN startNode(r) ELSE endNode(r) END = h
RETURN h.id AS holder, h.external_id AS holder_external_id,
       t.id AS target, t.external_id AS target_external_id,
       r.written_at AS written_at, elementId(r) AS rel, properties(r) AS properties
