"""No workspace holds more than its share of this process's Neo4j connections.

The request's workspace is set in ``current_workspace`` once its caller is known (the
API's authentication); every session the store opens for it first takes one of that
workspace's slots, waiting at most ``queue_s``, then answers ``OverCapacity`` (503 with
``Retry-After``) rather than letting one tenant's flood empty the pool for every other.
Work with no workspace (migrations, purges, deliveries) takes no slot. A session opened
while the same task already holds a slot (a retry, a nested read) takes no second one.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar

from service.errors import OverCapacity

current_workspace: ContextVar[str | None] = ContextVar("refgraph_workspace", default=None)
_holding: ContextVar[bool] = ContextVar("refgraph_holding_slot", default=False)


class PoolShare:
    def __init__(self, slots: int, queue_s: float):
        self.slots, self.queue_s = max(1, slots), queue_s
        self._free: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}  # sessions holding or waiting, so an idle workspace is forgotten

    @classmethod
    def of(cls, connections: int, fraction: float, queue_s: float) -> PoolShare:
        return cls(math.floor(connections * fraction), queue_s)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        workspace = current_workspace.get()
        if workspace is None or _holding.get():
            yield
            return
        free = self._free.get(workspace)
        if free is None:
            free = self._free[workspace] = asyncio.Semaphore(self.slots)
        self._users[workspace] = self._users.get(workspace, 0) + 1
        try:
            await self._acquire(free)
            token = _holding.set(True)
            try:
                yield
            finally:
                _holding.reset(token)
                free.release()
        finally:
            self._users[workspace] -= 1
            if not self._users[workspace]:
                del self._users[workspace], self._free[workspace]

    async def _acquire(self, free: asyncio.Semaphore) -> None:
        if not free.locked():
            await free.acquire()  # at once: no timer, no task
            return
        try:
            async with asyncio.timeout(self.queue_s):
                await free.acquire()
        except TimeoutError:
            raise OverCapacity(
                f"this workspace already uses its share of the database's connections ({self.slots}); "
                "retry after a moment, or send fewer requests at once", retry_after_s=1) from None


@contextlib.contextmanager
def serving(workspace: str | None) -> Iterator[None]:
    """Sessions opened in the block take ``workspace``'s connection slots (None: none)."""
    token = current_workspace.set(workspace)
    try:
        yield
    finally:
        current_workspace.reset(token)


def unshared() -> contextlib.AbstractContextManager[None]:
    """The process's own bookkeeping for a request (its idempotency key): no slot of the
    workspace's, so a full share cannot leave a key claimed."""
    return serving(None)
