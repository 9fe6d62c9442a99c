// Every token (never its hash), newest first.
MATCH (t:_Token)
RETURN t.id AS id, t.workspace AS workspace, t.scope AS scope, t.prefix AS prefix,
       toString(t.created_at) AS created_at, toString(t.revoked_at) AS revoked_at
ORDER BY t.created_at DESC
