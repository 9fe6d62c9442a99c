// A new object type in a workspace.
MATCH (w:_Workspace {id: $workspace})
CREATE (t:_Type)
SET t = $props,
    t.created_at = datetime(),
    t.updated_at = datetime()
CREATE (w)-[:HAS_TYPE]->(t)
