// Idempotency keys: one claim per (token, key), so a retried write runs once.
CREATE CONSTRAINT refgraph_idempotency_key IF NOT EXISTS
FOR (k:_IdempotencyKey) REQUIRE k.key IS UNIQUE;
