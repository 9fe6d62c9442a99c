// A workspace's prunes, newest first (ids are time-ordered), a page at a time.
MATCH (p:_Prune {workspace: $workspace})
WHERE $after IS NULL OR p.id < $after
RETURN p {.id, .type, .attribute, .applied_at, .deleted, .restored_at, .restored} AS prune
ORDER BY p.id DESC
LIMIT $limit
