// Revoke a token; how many were revoked (0: no such live token).
MATCH (t:_Token {id: $id})
WHERE t.revoked_at IS NULL
SET t.revoked_at = datetime()
RETURN count(t) AS revoked
