"""Expensive reads stop when their client goes.

A long-poll, a feed read, a search, a traversal, a report or an integrity scan whose client
disconnects is cancelled at once: its Neo4j transaction ends (the driver drops the
connection it was reading on, and Neo4j stops the query), and its admission slot is free
for the next request, instead of working to its time limit for no one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from starlette.requests import ClientDisconnect, Request

T = TypeVar("T")
CLEANUP_S = 2.0  # at most this long for a cancelled read to close its transaction


async def until_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """``work``, cancelled at once if the client goes away (then ``ClientDisconnect``,
    answered 499 and logged). For requests whose body has been read, or that have none."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait((task, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not task.done():
            task.cancel()  # the client went, or this request was cancelled itself
            await asyncio.wait({task}, timeout=CLEANUP_S)  # its transaction closed before its slot is free
    if task.done() and not task.cancelled():
        return task.result()
    gone.result()  # what stopped reading the request, if it was an error (a body too large)
    raise ClientDisconnect()


async def _disconnect(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass
