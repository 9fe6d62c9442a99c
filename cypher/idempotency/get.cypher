// A key's state and answer.
MATCH (k:_IdempotencyKey {key: $key})
RETURN k.state AS state, k.fingerprint AS fingerprint, k.status AS status, k.body AS body,
       k.content_type AS content_type
