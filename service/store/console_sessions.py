"""The console's sessions, kept in the graph (``(:_ConsoleSession)``): signing in opens
one, signing out deletes it, so a copy of the cookie ends with it (in every API process).
Each console request checks its session is still open."""

from __future__ import annotations

from service.domain.records import new_id
from service.store.database import Database

USES = ["console/open_session", "console/session_open", "console/close_session"]


class ConsoleSessions:
    def __init__(self, db: Database, *, lasts_s: int):
        self.db = db
        self.lasts_s = lasts_s

    async def open(self, workspace: str) -> str:
        session_id = new_id()
        await self.db.write_query("console/open_session", id=session_id, workspace=workspace, seconds=self.lasts_s)
        return session_id

    async def is_open(self, session_id: str) -> bool:
        rows = await self.db.read_query("console/session_open", id=session_id)
        return bool(rows and rows[0]["open"])

    async def close(self, session_id: str) -> None:
        await self.db.write_query("console/close_session", id=session_id)
