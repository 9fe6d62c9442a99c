// One webhook endpoint of a workspace (never its secret).
MATCH (w:_Webhook {workspace: $workspace, id: $id})
RETURN w {.*, secret: null} AS webhook
