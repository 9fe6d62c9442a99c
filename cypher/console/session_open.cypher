// Whether a console session is still signed in.
MATCH (s:_ConsoleSession {id: $id})
WHERE s.expires_at >= datetime()
RETURN count(s) > 0 AS open
