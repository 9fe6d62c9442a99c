// Values of an attribute that more than one object of the type holds (making it
// unique is refused while there are any), with up to 10 of their holders each.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Key}} IS NOT NULL
WITH n.{{Key}} AS value, collect(n {.id, .external_id}) AS holders
WHERE size(holders) > 1
RETURN value, holders[..10] AS holders, size(holders) AS count
ORDER BY count DESC
LIMIT 100
