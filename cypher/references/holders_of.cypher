// Who already holds each target through this relationship, other than the row's holder.
// $outgoing: whether holders are the relationship's start nodes.
UNWIND $rows AS row
MATCH (t:{{Target}} {workspace: $workspace, id: row.target})-[r:{{Rel}}]-(h:{{Holder}})
WHERE CASE WHEN $outgoing THEN startNode(r) ELSE endNode(r) END = h
  AND h.id <> row.holder
RETURN row.target AS target, t.external_id AS target_external_id, h.id AS holder_id, h.external_id AS holder_external_id,
       elementId(r) AS rel
