// A page of instances in id (= creation) order, optionally one external id. Ordered by
// (workspace, id) and with a bound on id, so the (workspace, id) index gives the page in
// order from this workspace's nodes alone (ids are never empty).
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.id > coalesce($after, '')
  AND ($external_id IS NULL OR n.external_id = $external_id)
RETURN n {.*, created_at: toString(n.created_at), updated_at: toString(n.updated_at), external_created_at: toString(n.external_created_at), external_updated_at: toString(n.external_updated_at)} AS node
ORDER BY n.workspace, n.id
LIMIT $limit
