// A page of a workspace's selector steps, in id (= creation) order after the cursor.
MATCH (s:_Selector {workspace: $workspace})
WHERE $after IS NULL OR s.id > $after
RETURN s {.*, created_at: toString(s.created_at), updated_at: toString(s.updated_at)} AS selector
ORDER BY s.id
LIMIT $limit
