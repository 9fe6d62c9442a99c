// One connector of a workspace.
MATCH (c:_Connector {workspace: $workspace, id: $id})
RETURN c {.*, created_at: toString(c.created_at), updated_at: toString(c.updated_at)} AS connector
