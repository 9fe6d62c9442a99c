// The live token with this hash, if any.
MATCH (t:_Token {hash: $hash})
WHERE t.revoked_at IS NULL
RETURN t.id AS id, t.workspace AS workspace, t.scope AS scope
