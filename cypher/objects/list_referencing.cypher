// A page of instances whose reference attribute holds a given object (Intercom's
// references_contact_id, for any reference), in id order after the cursor.
// $outgoing: the relationship starts at the listed instance.
MATCH (t:{{Target}} {workspace: $workspace, id: $target})-[r:{{Rel}}]-(n:{{Label}} {workspace: $workspace})
WHERE CASE WHEN $outgoing THEN startNode(r) ELSE endNode(r) END = n
  AND ($after IS NULL OR n.id > $after)
  AND ($external_id IS NULL OR n.external_id = $external_id)
WITH DISTINCT n
ORDER BY n.id
LIMIT $limit
RETURN n {.*, created_at: toString(n.created_at), updated_at: toString(n.updated_at), external_created_at: toString(n.external_created_at), external_updated_at: toString(n.external_updated_at)} AS node
