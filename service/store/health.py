"""What /healthz reports about the database."""

from __future__ import annotations

from service.store.database import Database

USES = ["health/server_info"]


async def server_info(db: Database) -> dict[str, str]:
    rows = await db.read_without_retry("health/server_info")
    return {"version": rows[0]["version"], "edition": rows[0]["edition"]}
