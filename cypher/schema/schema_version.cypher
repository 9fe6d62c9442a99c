// The workspace's schema version: it changes with every schema change (see
// schema/lock_workspace), so a cached schema with the same version is current.
MATCH (w:_Workspace {id: $workspace})
RETURN w.schema_version AS version
