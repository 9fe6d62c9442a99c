// Remove an attribute definition (values and relationships are removed separately).
MATCH (a:_Attribute {workspace: $workspace, type_key: toLower($type), key: toLower($name)})
DETACH DELETE a
