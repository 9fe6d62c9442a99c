// Create the workspace node if needed and lock it: schema changes in one workspace
// run one at a time. Every transaction that takes this lock may change the schema, so
// it moves schema_version on: a process that cached the schema sees it is stale.
// Returns whether the built-in types are in place.
MERGE (w:_Workspace {id: $workspace})
  ON CREATE SET w.created_at = datetime()
SET w.schema_version = coalesce(w.schema_version, 0) + 1
RETURN coalesce(w.builtins, false) AS builtins
