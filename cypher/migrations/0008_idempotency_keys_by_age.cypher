// Expired idempotency keys are found by age (the background purge).
CREATE RANGE INDEX refgraph_idempotency_created_at IF NOT EXISTS
FOR (k:_IdempotencyKey) ON (k.created_at);
