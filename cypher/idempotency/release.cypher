// Give a claim up (the request failed with a server error: a retry may run again).
MATCH (k:_IdempotencyKey {key: $key, mine: $claim})
DELETE k
