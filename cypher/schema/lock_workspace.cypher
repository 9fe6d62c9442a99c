// Create the workspace node if needed and lock it: schema changes in one workspace
// run one at a time. Returns whether the built-in types are in place.
MERGE (w:_Workspace {id: $workspace})
  ON CREATE SET w.created_at = datetime()
SET w._lock = true
REMOVE w._lock
RETURN coalesce(w.builtins, false) AS builtins
