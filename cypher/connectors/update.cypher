// Replace a connector's definition; null when there is no such connector.
MATCH (c:_Connector {workspace: $workspace, id: $id})
SET c += $props, c.updated_at = datetime()
RETURN c {.*, created_at: toString(c.created_at), updated_at: toString(c.updated_at)} AS connector
