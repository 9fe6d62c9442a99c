// One delivery attempt's record (none once the endpoint is deleted).
MATCH (w:_Webhook {workspace: $props.workspace, id: $props.webhook_id})
CREATE (d:_Delivery)
SET d = $props, d.at = datetime()
