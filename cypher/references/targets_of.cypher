// The targets each holder has through this relationship, most recently written first.
UNWIND $holders AS holder
MATCH (h:{{Holder}} {workspace: $workspace, id: holder})-[r:{{Rel}}]-(t:{{Target}})
WHERE CASE WHEN $outgoing THEN startNode(r) ELSE endNode(r) END = h
RETURN holder, t.id AS id, t.external_id AS external_id, elementId(r) AS rel
ORDER BY holder, r.written_at DESC, t.id DESC
