// An endpoint's delivery attempts, newest first (ids are time-ordered), a page at a time.
MATCH (d:_Delivery {workspace: $workspace, webhook_id: $webhook})
WHERE $after IS NULL OR d.id < $after
RETURN d {.*, at: toString(d.at)} AS delivery
ORDER BY d.id DESC
LIMIT $limit
