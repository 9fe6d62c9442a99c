// Remove a selector step; how many went (0 or 1).
MATCH (s:_Selector {workspace: $workspace, id: $id})
DELETE s
RETURN count(*) AS deleted
