"""Leases in the graph: with several API processes (``refgraph serve --workers N``),
periodic work such as a purge runs in the one process that holds its lease, renewed at
each run and taken over when the holder stops renewing it."""

from __future__ import annotations

import uuid

from service.store.database import Database

USES = ["leases/take", "leases/release"]
PROCESS = uuid.uuid4().hex  # this process, as a lease holder


async def take(db: Database, name: str, seconds: float, holder: str = PROCESS) -> bool:
    """Whether ``holder`` holds the lease ``name`` for the next ``seconds`` (taken, renewed,
    or refused while another holder's lease runs)."""
    rows = await db.write_query("leases/take", name=name, holder=holder, seconds=seconds)
    return bool(rows and rows[0]["held"])


async def release(db: Database, holder: str = PROCESS) -> None:
    """Ends ``holder``'s leases (a process that stops): the next process need not wait."""
    await db.write_query("leases/release", holder=holder)
