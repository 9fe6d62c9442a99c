// Remove a secret; how many went (0 or 1).
MATCH (s:_Secret {workspace: $workspace, name: $name})
DELETE s
RETURN count(*) AS deleted
