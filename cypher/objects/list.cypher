// A page of instances in id (= creation) order, optionally one external id.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE ($after IS NULL OR n.id > $after)
  AND ($external_id IS NULL OR n.external_id = $external_id)
RETURN n {.*, created_at: toString(n.created_at), updated_at: toString(n.updated_at), external_created_at: toString(n.external_created_at), external_updated_at: toString(n.external_updated_at)} AS node
ORDER BY n.id
LIMIT $limit
