"""The change log of a write transaction: what caused it (a request, a connector run), the
events its statements record, and those events appended as its last statement, in the same
transaction (an event exists if and only if its change committed). ``Database.write``
runs every write through ``recorded``; ``committed`` then wakes this process's waiters.
How the appended batches are ordered and read back: ``service/store/events.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from neo4j import AsyncManagedTransaction
from pydantic_core import to_json

from service.domain.events import Cause, ChangeLog
from service.domain.records import new_id
from service.metrics import EVENTS_WRITTEN
from service.store.queries import Queries

USES = ["events/append"]
CHUNK = 1_000  # events per stored batch: what a reader unpacks at once
T = TypeVar("T")

_cause: ContextVar[Cause] = ContextVar("refgraph_event_cause", default=Cause("api"))
_log: ContextVar[ChangeLog | None] = ContextVar("refgraph_change_log", default=None)
_actor: ContextVar[str | None] = ContextVar("refgraph_actor", default=None)  # the token id acting


@contextmanager
def _bound(var: ContextVar, value: T) -> Iterator[T]:
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)


def caused_by(cause: Cause) -> contextlib.AbstractContextManager[Cause]:
    """Writes in this block record ``cause`` (a request sets it, a connector run narrows it)."""
    return _bound(_cause, cause)


def acting_as(token_id: str | None) -> contextlib.AbstractContextManager[str | None]:
    """Writes in this block are made by the token ``token_id`` (the API's authentication
    sets it for a request; the console's middleware starts each request with nobody)."""
    return _bound(_actor, token_id)


def act_as(token_id: str) -> None:
    """The same, for the rest of a console request, once its session is known (inside the
    console middleware's ``acting_as(None)``, which puts the value back after it)."""
    _actor.set(token_id)


def current_actor() -> str | None:
    return _actor.get()


def current_cause() -> Cause:
    return _cause.get()


def change_log() -> ChangeLog:
    """The running write transaction's log of events. Outside a write (a migration, a
    test's own query) it is a log nobody keeps."""
    log = _log.get()
    return log if log is not None else ChangeLog(_cause.get())


# Set when this process commits events: one event per listener (the webhook deliverer, the
# feed's heads), so a listener busy elsewhere when a commit lands still sees it later.
_listeners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.WeakSet[asyncio.Event]] = \
    weakref.WeakKeyDictionary()


def committed() -> None:
    """A write of this process that appended events has committed: wake its listeners."""
    for event in list(_listeners.get(asyncio.get_running_loop(), ())):
        event.set()


def listener() -> asyncio.Event:
    """An event this process's commits set; keep it while listening (it is held weakly)."""
    event = asyncio.Event()
    _listeners.setdefault(asyncio.get_running_loop(), weakref.WeakSet()).add(event)
    return event


async def wait_for_new(event: asyncio.Event, timeout: float) -> None:
    """Until this process commits events (``event``, from ``listener``), or ``timeout``
    (other processes' commits are seen by polling)."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        pass
    event.clear()


async def recorded(tx: AsyncManagedTransaction, queries: Queries, work, *args: Any) -> tuple[Any, bool]:
    """``work`` with a fresh change log (a retried transaction starts again), then its
    events appended as the transaction's last statement; its result, and whether it
    appended any."""
    with _bound(_log, ChangeLog(_cause.get())) as log:
        result = await work(tx, *args)
    if log.events:
        # Counted per attempt (a retried transaction counts twice), once per type.
        for event_type, count in Counter(event["type"] for event in log.events).items():
            EVENTS_WRITTEN.labels(event_type).inc(count)
        chunks = [{"id": new_id(), "count": len(part), "events": pack(part),
                   "types": sorted({event["type"] for event in part})}
                  for part in (log.events[i:i + CHUNK] for i in range(0, len(log.events), CHUNK))]
        await (await tx.run(queries["events/append"](), workspace=log.workspace, chunks=chunks,
                            cause=json.dumps(log.cause.as_dict()))).consume()
    return result, bool(log.events)


def pack(events: list[dict[str, Any]]) -> bytes:
    """A batch's events as stored: JSON, deflated (a 5,000-record batch's 10,000 events
    are 1.9 MB of JSON and 0.35 MB stored; writing them costs the transaction less)."""
    return zlib.compress(to_json(events, fallback=str), 1)
