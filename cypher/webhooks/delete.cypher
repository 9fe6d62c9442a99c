// Delete an endpoint and its delivery records.
OPTIONAL MATCH (w:_Webhook {workspace: $workspace, id: $id})
OPTIONAL MATCH (d:_Delivery {workspace: $workspace, webhook_id: $id})
DETACH DELETE d, w
RETURN count(DISTINCT w) > 0 AS deleted
