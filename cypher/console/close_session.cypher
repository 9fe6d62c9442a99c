// Signing out: the session ends wherever its cookie is.
MATCH (s:_ConsoleSession {id: $id})
DELETE s
