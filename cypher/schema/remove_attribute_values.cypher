// Remove a deleted attribute's values from every instance of its type.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Key}} IS NOT NULL
REMOVE n.{{Key}}
