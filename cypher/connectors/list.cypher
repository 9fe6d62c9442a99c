// A page of a workspace's connectors, in id (= creation) order after the cursor.
MATCH (c:_Connector {workspace: $workspace})
WHERE $after IS NULL OR c.id > $after
RETURN c {.*, created_at: toString(c.created_at), updated_at: toString(c.updated_at)} AS connector
ORDER BY c.id
LIMIT $limit
