"""Change events in the graph: each write transaction's events, appended in the same
transaction as one ``(:_EventBatch)``; the feed read back in commit order; old batches
purged.

Commit order without a commit sequence (Neo4j Community has none a query can read):
each workspace has one ``(:_EventSequence)`` node. The append is a write's last
statement: it increments that node's counter, which takes the node's write lock and
holds it until the transaction commits. A second writer of the workspace waits at its own
increment until the first has committed, so batch numbers are given in commit order, with
no gap (a rolled-back increment is undone) and never visible out of order: when batch
``n`` can be read, every batch before it already could. A reader that remembers the last
number it saw therefore never misses a batch and never sees one twice. The lock is held
only from the append to the commit, so writers of a workspace queue only for that.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from typing import Any

from pydantic_core import from_json

from service.domain.events import Position
from service.store.database import Database

USES = ["events/batches", "events/purge", "events/end", "events/heads"]


async def batches(db: Database, workspace: str, after: Position, *, limit: int, max_events: int,
                  types: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The batches after ``after``, in order, their events unpacked: at most ``limit``, and
    no more than it takes to hold ``max_events`` wanted events. With ``types`` (exact types
    and ``family.*``), a batch that holds none of them comes with ``events`` None, unread."""
    rows = await db.read_query("events/batches", workspace=workspace, seq=after.seq, index=after.index,
                               limit=limit, max_events=max_events, types=list(types))
    return [{**row["batch"], "events": None if row["batch"]["events"] is None
             else _unpacked(workspace, row["batch"])} for row in rows]


class Unpacked:
    """The batches unpacked last, at most ``kept`` bytes of their JSON in all. A batch never
    changes once written, and every reader of a feed reads its newest batches: unpacking
    one of 1,000 events took 2.7 ms, a fifth of the API's CPU under bench.isolation's
    long-polls. Keyed by workspace and batch id; the events are shared between readers,
    never changed."""

    def __init__(self, kept: int):
        self.kept, self.size = kept, 0
        self.batches: OrderedDict[tuple[str, str], tuple[int, list[dict[str, Any]]]] = OrderedDict()

    def __call__(self, workspace: str, batch: dict[str, Any]) -> list[dict[str, Any]]:
        key = (workspace, batch["id"])
        found = self.batches.get(key)
        if found is not None:
            self.batches.move_to_end(key)
            return found[1]
        text = zlib.decompress(batch["events"])
        events = from_json(text)
        self.batches[key] = (len(text), events)
        self.size += len(text)
        while self.size > self.kept and len(self.batches) > 1:
            self.size -= self.batches.popitem(last=False)[1][0]
        return events


_unpacked = Unpacked(kept=16 * 2**20)  # per process: 16 MB of JSON, some 10,000s of events


async def heads(db: Database, workspaces: list[str]) -> dict[str, int]:
    """The last batch number of each of ``workspaces`` that has a feed."""
    rows = await db.read_query("events/heads", workspaces=workspaces)
    return {row["workspace"]: row["seq"] for row in rows}


PURGE_BATCH = 1_000


async def end(db: Database, workspace: str) -> Position:
    """The position after the workspace's last event."""
    row = (await db.read_query("events/end", workspace=workspace))[0]
    return Position(row["seq"], row["index"])


async def purge(db: Database, *, days: float) -> int:
    """Delete the batches older than ``days``, a bounded number per transaction; how many went."""
    purged = 0
    while True:
        rows = await db.write_query("events/purge", days=days, limit=PURGE_BATCH)
        purged += rows[0]["purged"]
        if rows[0]["purged"] < PURGE_BATCH:
            return purged
