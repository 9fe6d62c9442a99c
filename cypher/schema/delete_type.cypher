// Remove a type, its attributes, and the inverse attributes other types hold for it.
MATCH (t:_Type {workspace: $workspace, key: toLower($type)})
OPTIONAL MATCH (t)-[:HAS_ATTRIBUTE]->(a:_Attribute)
OPTIONAL MATCH (a)-[:INVERSE_OF]-(inv:_Attribute)
DETACH DELETE t, a, inv
