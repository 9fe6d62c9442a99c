// One webhook endpoint of a workspace (its encrypted secret too, for the caller to drop or use).
MATCH (w:_Webhook {workspace: $workspace, id: $id})
RETURN w {.*} AS webhook
