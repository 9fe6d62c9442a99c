// The console's signed-in sessions: signing out deletes one, so a copied cookie ends too.
CREATE CONSTRAINT refgraph_console_session_id IF NOT EXISTS
FOR (s:_ConsoleSession) REQUIRE s.id IS UNIQUE;
CREATE RANGE INDEX refgraph_console_session_expiry IF NOT EXISTS
FOR (s:_ConsoleSession) ON (s.expires_at);
