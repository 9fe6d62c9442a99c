"""The change feed: a workspace's events in commit order, a page at a time, from a cursor,
optionally waiting (long-poll) until something happens. See ``store/events.py`` for why
a reader that follows the cursors never misses an event and never sees one twice."""

from __future__ import annotations

import asyncio
import time

from service.domain.events import FeedPage, Position, page_of
from service.errors import InvalidInput
from service.store import events
from service.store.database import Database

BATCHES_PER_READ = 200
MAX_BATCHES_SCANNED = 2_000  # per request: a filter that matches little still answers soon
POLL_S = 0.25


class EventFeed:
    def __init__(self, db: Database):
        self.db = db

    async def page(self, workspace: str, after: Position, patterns: tuple[str, ...], limit: int,
                   wait_s: float = 0) -> FeedPage:
        """The next events after ``after``; with ``wait_s``, waits up to that long while
        there is none."""
        deadline = time.monotonic() + wait_s
        while True:
            page = await self._read(workspace, after, patterns, limit)
            left = deadline - time.monotonic()
            if page.events or page.full or left <= 0:
                return page
            await asyncio.sleep(min(POLL_S, left))

    async def _read(self, workspace: str, after: Position, patterns: tuple[str, ...], limit: int) -> FeedPage:
        found, scanned = FeedPage([], after, False), 0
        while scanned < MAX_BATCHES_SCANNED:
            read = await events.batches(self.db, workspace, found.position, limit=BATCHES_PER_READ,
                                        max_events=limit - len(found.events) + found.position.index + 1)
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
        found.full = True  # more batches to look through: ask again at once
        return found
