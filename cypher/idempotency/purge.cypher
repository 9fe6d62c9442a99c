// Delete up to $batch idempotency keys older than $expire_s seconds; how many went.
MATCH (k:_IdempotencyKey)
WHERE k.created_at < datetime() - duration({seconds: $expire_s})
WITH k LIMIT $batch
DELETE k
RETURN count(*) AS removed
