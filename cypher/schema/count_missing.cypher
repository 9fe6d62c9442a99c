// Instances of a type that have no value for an attribute.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Key}} IS NULL
RETURN count(n) AS count
