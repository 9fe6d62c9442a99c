// Making an attribute unique: each value is copied to the key the uniqueness
// constraint covers (Unique), so the database refuses a second holder from now on.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Key}} IS NOT NULL
SET n.{{Unique}} = n.{{Key}}
