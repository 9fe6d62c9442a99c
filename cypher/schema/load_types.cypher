// Object types of a workspace with their attributes, in creation order. Timestamps
// come as ISO 8601 text: hydrating temporal values costs the Python driver far more.
// $workspace; $key: one type's lower-case name, or null for all.
MATCH (t:_Type {workspace: $workspace})
WHERE $key IS NULL OR t.key = $key
OPTIONAL MATCH (t)-[:HAS_ATTRIBUTE]->(a:_Attribute)
WITH t, a
ORDER BY a.position
WITH t, collect(a {.*, created_at: toString(a.created_at), updated_at: toString(a.updated_at)}) AS attributes
ORDER BY t.created_at, t.name
RETURN t {.*, created_at: toString(t.created_at), updated_at: toString(t.updated_at)} AS type, attributes
