// Set a secret (its value encrypted by the caller); whether it was new.
MERGE (s:_Secret {workspace: $workspace, name: $name})
  ON CREATE SET s.created_at = datetime()
WITH s, s.value IS NULL AS created
SET s.value = $value, s.updated_at = datetime()
RETURN created
