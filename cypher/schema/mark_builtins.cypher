// Record that the workspace has its built-in types.
MATCH (w:_Workspace {id: $workspace})
SET w.builtins = true
