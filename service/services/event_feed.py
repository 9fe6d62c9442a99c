"""The change feed: a workspace's events in commit order, a page at a time, from a cursor,
optionally waiting (long-poll) until something happens. See ``store/events.py`` for why
a reader that follows the cursors never misses an event and never sees one twice.

A read does bounded work: at most ``MAX_BATCHES_SCANNED`` batches looked at,
``MAX_EVENTS_UNPACKED`` events unpacked and ``MAX_READ_S`` spent, after which it answers with ``has_more`` and a
cursor past everything it examined, matched or not. A ``types=`` filter passes batches
that hold none of its types without unpacking them. A long-poll holds no Neo4j
connection while it waits: ``FeedHeads`` follows the head of every workspace someone
waits on, with one query for all of them, and wakes the waiters whose feed moved.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from service.domain.events import FeedPage, Position, page_of
from service.errors import InvalidInput
from service.services.feed_heads import FeedHeads
from service.store import events
from service.store.database import Database

BATCHES_PER_READ = 200
MAX_BATCHES_SCANNED = 1_000  # per request, unpacked or passed over
MAX_EVENTS_UNPACKED = 20_000  # per request: a filter that matches little still answers soon
MAX_READ_S = 2.0  # and after this long, whatever it has examined


class EventFeed:
    def __init__(self, db: Database, heads: FeedHeads | None = None):
        self.db = db
        self.heads = heads

    async def page(self, workspace: str, after: Position, patterns: tuple[str, ...], limit: int,
                   wait_s: float = 0, read_slot: Callable[[], AbstractAsyncContextManager] | None = None
                   ) -> FeedPage:
        """The next events after ``after``; with ``wait_s``, waits up to that long while
        there is none (holding no connection: ``FeedHeads``). ``read_slot``: what each
        read of a wait holds while it reads (the caller's admission)."""
        deadline, slot = time.monotonic() + wait_s, read_slot or contextlib.nullcontext
        async with slot():
            page = await self._read(workspace, after, patterns, limit)
        known = page.position.seq  # the head already seen: wait for one past it (purged batches)
        while not (page.events or page.full) and self.heads is not None:
            left = deadline - time.monotonic()
            head = await self.heads.wait_past(workspace, max(page.position.seq, known), left) if left > 0 else None
            if head is None:
                break
            known = head
            async with slot():
                page = await self._read(workspace, page.position, patterns, limit)  # on from what was examined
        return page

    async def now(self, workspace: str) -> Position:
        """The position after the workspace's last event: a reader that starts here gets
        only what happens from now on (``after=now``)."""
        return await events.end(self.db, workspace)

    async def _read(self, workspace: str, after: Position, patterns: tuple[str, ...], limit: int) -> FeedPage:
        found, scanned, unpacked = FeedPage([], after, False), 0, 0
        types = () if "*" in patterns else patterns
        until = time.monotonic() + MAX_READ_S
        while scanned < MAX_BATCHES_SCANNED and unpacked < MAX_EVENTS_UNPACKED and time.monotonic() < until:
            read = await events.batches(self.db, workspace, found.position, limit=BATCHES_PER_READ,
                                        max_events=limit - len(found.events) + found.position.index + 1,
                                        types=types)
            if not read:
                if found.position == after and after > await events.end(self.db, workspace):
                    raise InvalidInput("after: past the end of the feed; a cursor comes from next_cursor",
                                       code="invalid_cursor")
                return found
            page = page_of(read, found.position, patterns, limit - len(found.events))
            found.events += page.events
            found.positions += page.positions
            found.position = page.position
            if page.full:
                found.full = True
                return found
            scanned += len(read)
            unpacked += sum(batch["count"] for batch in read if batch["events"] is not None)
        found.full = found.bounded = True  # more batches to look through: ask again at once, from there
        return found
