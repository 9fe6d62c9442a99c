// How many instances a type has in a workspace.
MATCH (n:{{Label}} {workspace: $workspace})
RETURN count(n) AS count
