// A page of instances in id (= creation) order, optionally one external id.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE ($after IS NULL OR n.id > $after)
  AND ($external_id IS NULL OR n.external_id = $external_id)
RETURN n {.*} AS node
ORDER BY n.id
LIMIT $limit
