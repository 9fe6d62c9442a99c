// Edit a type's label and description (its name is immutable).
MATCH (t:_Type {workspace: $workspace, key: toLower($type)})
SET t += $changes,
    t.updated_at = datetime()
