// A signed-in console session (and sessions past their expiry, a few at a time, gone).
OPTIONAL MATCH (old:_ConsoleSession) WHERE old.expires_at < datetime()
WITH collect(old)[..100] AS expired
FOREACH (s IN expired | DELETE s)
CREATE (:_ConsoleSession {id: $id, workspace: $workspace, expires_at: datetime() + duration({seconds: $seconds})})
