// Dangling and conflicting references
// For every reference attribute of the workspace's schema: objects on a `one` side that
// hold more than one association (conflicting: made around refgraph, for example by
// hand in Neo4j Browser), and the number of associations whose other end lacks the
// target type's label or is in another workspace (dangling). Nothing listed: nothing to
// repair. Reads every association of the schema's relationship types.
MATCH (a:_Attribute {workspace: $workspace, direction: 'out'})
CALL (a) {
  MATCH (s:$(a.type) {workspace: $workspace})-[r:$(a.rel_type)]->()
  WHERE a.cardinality = 'one'
  WITH s, count(r) AS held
  WHERE held > 1
  RETURN 'conflicting' AS problem, s.id AS object_id, s.external_id AS object_external_id, held AS count
  UNION ALL
  MATCH ()-[r:$(a.rel_type)]->(t:$(a.target) {workspace: $workspace})
  WHERE a.inverse_cardinality = 'one'
  WITH t, count(r) AS held
  WHERE held > 1
  RETURN 'conflicting' AS problem, t.id AS object_id, t.external_id AS object_external_id, held AS count
  UNION ALL
  MATCH (s:$(a.type) {workspace: $workspace})-[r:$(a.rel_type)]->(t)
  WHERE NOT (a.target IN labels(t) AND t.workspace = $workspace)
  WITH count(r) AS dangling
  WHERE dangling > 0
  RETURN 'dangling' AS problem, null AS object_id, null AS object_external_id, dangling AS count
}
RETURN a.type AS type, a.name AS attribute, problem, object_id, object_external_id, count
ORDER BY type, attribute, problem, count DESC, object_id
