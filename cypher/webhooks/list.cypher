// A workspace's webhook endpoints, oldest first (ids are time-ordered), a page at a time.
MATCH (w:_Webhook {workspace: $workspace})
WHERE $after IS NULL OR w.id > $after
RETURN w {.*, secret: null} AS webhook
ORDER BY w.id
LIMIT $limit
