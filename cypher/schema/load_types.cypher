// Object types of a workspace with their attributes, in creation order.
// $workspace; $key: one type's lower-case name, or null for all.
MATCH (t:_Type {workspace: $workspace})
WHERE $key IS NULL OR t.key = $key
OPTIONAL MATCH (t)-[:HAS_ATTRIBUTE]->(a:_Attribute)
WITH t, a
ORDER BY a.position
WITH t, collect(a {.*}) AS attributes
ORDER BY t.created_at, t.name
RETURN t {.*} AS type, attributes
