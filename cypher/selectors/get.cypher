// One selector step of a workspace.
MATCH (s:_Selector {workspace: $workspace, id: $id})
RETURN s {.*, created_at: toString(s.created_at), updated_at: toString(s.updated_at)} AS selector
