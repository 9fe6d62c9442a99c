// A new attribute on a type; a reference also points at its target type.
MATCH (t:_Type {workspace: $workspace, key: $props.type_key})
CREATE (a:_Attribute)
SET a = $props,
    a.created_at = datetime(),
    a.updated_at = datetime()
CREATE (t)-[:HAS_ATTRIBUTE]->(a)
SET t.updated_at = datetime()
WITH a
OPTIONAL MATCH (target:_Type {workspace: $workspace, key: toLower($props.target)})
FOREACH (_ IN CASE WHEN target IS NULL THEN [] ELSE [1] END |
  CREATE (a)-[:TARGETS]->(target))
