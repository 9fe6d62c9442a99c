// Claim an idempotency key for a request, or find the claim already made. A claim
// older than $expire_s seconds is taken over as new. Returns the claim as it now is
// and whether this call made it.
MERGE (k:_IdempotencyKey {key: $key})
  ON CREATE SET k.fingerprint = $fingerprint, k.state = 'running', k.created_at = datetime(), k.mine = $claim
WITH k, k.mine = $claim AS created
CALL (k, created) {
  WITH k
  WHERE NOT created AND k.created_at < datetime() - duration({seconds: $expire_s})
  SET k.fingerprint = $fingerprint, k.state = 'running', k.created_at = datetime(), k.mine = $claim,
      k.status = null, k.body = null, k.content_type = null
}
RETURN k.mine = $claim AS mine, k.fingerprint AS fingerprint, k.state AS state, k.status AS status,
       k.body AS body, k.content_type AS content_type
