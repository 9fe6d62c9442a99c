"""Long-polls that cost a parked coroutine, not a connection.

One ``FeedHeads`` per process follows the head (the last batch number) of every workspace
that somebody waits on: one query for all of them every ``poll_s``, sooner when this
process commits events, and only while there are waiters. A waiter parks on its
workspace's ``asyncio.Event``; when the head moves past the batch it has read, it wakes.
A waiter that is cancelled (its client went away) just leaves.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import Counter

from service.store import change_log, events
from service.store.database import Database

log = logging.getLogger("refgraph.events")
POLL_S = 0.25
MIN_GAP_S = 0.02  # between two polls, however many commits wake the follower


class FeedHeads:
    def __init__(self, db: Database, *, poll_s: float = POLL_S):
        self.db, self.poll_s = db, poll_s
        self._waiting: Counter[str] = Counter()  # workspace -> waiters
        self._heads: dict[str, int] = {}  # the last batch number seen, while someone waits
        self._moved: dict[str, asyncio.Event] = {}
        self._follower: asyncio.Task | None = None

    def waiters(self, workspace: str | None = None) -> int:
        return self._waiting[workspace] if workspace else sum(self._waiting.values())

    async def wait_past(self, workspace: str, seq: int, timeout: float) -> int | None:
        """Until the workspace's feed has a batch after ``seq``: its head then; None after
        ``timeout``."""
        deadline = time.monotonic() + timeout
        self._waiting[workspace] += 1
        if self._follower is None or self._follower.done():
            # In a context of its own: not the first waiter's (its workspace's connection share).
            self._follower = asyncio.create_task(self._follow(), context=contextvars.Context())
        try:
            while self._heads.get(workspace, -1) <= seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                moved = self._moved.setdefault(workspace, asyncio.Event())
                try:
                    async with asyncio.timeout(left):
                        await moved.wait()
                except TimeoutError:
                    return None
            return self._heads[workspace]
        finally:
            self._waiting[workspace] -= 1
            if self._waiting[workspace] <= 0:
                del self._waiting[workspace]
                self._heads.pop(workspace, None)
                self._moved.pop(workspace, None)

    async def _follow(self) -> None:
        """While anyone waits: read the heads, wake who they concern, then wait for a
        commit of this process or the poll interval."""
        wake = change_log.listener()
        while self._waiting:
            polled = time.monotonic()
            try:
                heads = await events.heads(self.db, list(self._waiting))
            except Exception:  # Neo4j restarting: the waiters time out, or a later poll sees it
                log.warning("reading the feeds' heads failed; trying again", exc_info=True)
                await asyncio.sleep(self.poll_s)
                continue
            for workspace in list(self._waiting):
                head = heads.get(workspace, 0)
                if head != self._heads.get(workspace):
                    self._heads[workspace] = head
                    moved = self._moved.pop(workspace, None)
                    if moved is not None:
                        moved.set()
            await change_log.wait_for_new(wake, self.poll_s)
            await asyncio.sleep(max(0.0, MIN_GAP_S - (time.monotonic() - polled)))  # under a flood of commits
