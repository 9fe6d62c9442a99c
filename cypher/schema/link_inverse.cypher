// Tie a reference attribute to its inverse on the target type.
MATCH (a:_Attribute {workspace: $workspace, type_key: toLower($type), key: toLower($name)})
MATCH (b:_Attribute {workspace: $workspace, type_key: toLower($inverse_type), key: toLower($inverse_name)})
MERGE (a)-[:INVERSE_OF]->(b)
