// Schema overview
// Every type of the workspace with its instance count, and each attribute: data type,
// whether required, and for references the target, cardinality and inverse. Counting
// instances reads every object of the workspace.
MATCH (t:_Type {workspace: $workspace})
CALL (t) {
  MATCH (n:$(t.name) {workspace: $workspace})
  RETURN count(n) AS instances
}
OPTIONAL MATCH (t)-[:HAS_ATTRIBUTE]->(a:_Attribute)
RETURN t.name AS type, t.builtin AS builtin, instances, a.name AS attribute,
       a.data_type AS data_type, a.required AS required, a.target AS target,
       a.cardinality AS cardinality, a.inverse_name AS inverse,
       a.inverse_cardinality AS inverse_cardinality
ORDER BY t.created_at, type, a.position
