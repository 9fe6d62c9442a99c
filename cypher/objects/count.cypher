// How many of a type's objects match a search's filter (?count=true).
MATCH (n:{{Label}} {workspace: $workspace})
WHERE {{where:Search}}
RETURN count(n) AS total
