// Webhook endpoints and their delivery attempts.
CREATE CONSTRAINT refgraph_webhook_id IF NOT EXISTS
FOR (w:_Webhook) REQUIRE w.id IS UNIQUE;
CREATE RANGE INDEX refgraph_webhook_due IF NOT EXISTS
FOR (w:_Webhook) ON (w.next_attempt_at);
CREATE CONSTRAINT refgraph_delivery_id IF NOT EXISTS
FOR (d:_Delivery) REQUIRE d.id IS UNIQUE;
CREATE RANGE INDEX refgraph_delivery_webhook IF NOT EXISTS
FOR (d:_Delivery) ON (d.workspace, d.webhook_id);
CREATE RANGE INDEX refgraph_delivery_age IF NOT EXISTS
FOR (d:_Delivery) ON (d.at);
CREATE RANGE INDEX refgraph_webhook_workspace IF NOT EXISTS
FOR (w:_Webhook) ON (w.workspace);
