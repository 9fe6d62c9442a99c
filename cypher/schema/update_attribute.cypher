// Edit an attribute's editable fields.
MATCH (a:_Attribute {workspace: $workspace, type_key: toLower($type), key: toLower($name)})
SET a += $changes,
    a.updated_at = datetime()
