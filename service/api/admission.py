"""Expensive work is admitted per tenant, so one workspace's flood cannot slow the others.

The rate limit counts requests, an expensive one as several (``COUNTS_AS``: a feed read as
4, a report as 10, a batch as one per 100 records), so a token's rate buys about as much
work whatever it asks for; this counts work in flight. Each kind of expensive request
(a long-poll, a feed read, a search, a traversal, a report, an integrity scan, a connector
call, a batch) has a quota per token and per workspace in this process. A request over
either waits briefly (``REFGRAPH_ADMISSION_QUEUE_S``; a long-poll not at all) for one to
end, then answers ``503 over_capacity`` with ``Retry-After``: never a ``500``, never a
timeout. Below this, ``store/pool_share.py`` caps each workspace's Neo4j connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request

from service.api.auth import PACED_PER_KEY, PACED_S
from service.api.counted import counted
from service.errors import OverCapacity, RateLimited


@dataclass(frozen=True)
class Quota:
    per_token: int
    per_workspace: int


# Per API process. A long-poll costs a parked coroutine (services/feed_heads.py), so many
# may wait; the others each hold a Neo4j connection while they run.
QUOTAS = {
    "wait": Quota(per_token=50, per_workspace=100),
    "feed": Quota(per_token=2, per_workspace=4),
    "search": Quota(per_token=4, per_workspace=8),
    "traversal": Quota(per_token=2, per_workspace=4),
    "report": Quota(per_token=2, per_workspace=4),
    "integrity": Quota(per_token=1, per_workspace=2),
    "connector": Quota(per_token=2, per_workspace=4),
    "batch": Quota(per_token=1, per_workspace=1),
}
# Requests each kind counts as toward its token's rate limit (REFGRAPH_RATE_LIMIT_PER_S),
# the request itself included: what it may cost at most, which its caller chooses, against
# a plain list's page through an index (a feed read may examine 20,000 events; a search or
# traversal run to its time limit; a report reads the whole workspace). A long-poll
# counts once, when it starts.
COUNTS_AS = {"wait": 4, "feed": 4, "search": 4, "traversal": 4, "report": 10, "integrity": 10,
             "connector": 10, "batch": 1}
RECORDS_PER_COUNT = 100  # a batch counts as one request per this many records (at least one)
NO_QUEUE = {"wait"}  # a long-poll over its quota answers at once
WAITING_PER_SLOT = 4  # requests a workspace may have waiting for a kind, per slot of its quota
POLL_S = 0.05  # how often a paced request looks for a place (before_body)


class Admission:
    def __init__(self, quotas: dict[str, Quota], *, queue_s: float, workers: int = 1, scale: float = 1):
        # Each quota times ``scale`` (REFGRAPH_ADMISSION_SCALE); with N processes, each
        # admits its share (at least one of each).
        def share(n: int) -> int:
            return max(1, round(n * scale) // workers)

        self.quotas = {kind: Quota(share(q.per_token), share(q.per_workspace)) for kind, q in quotas.items()}
        self.queue_s = queue_s
        self._in_flight: Counter[tuple[str, str]] = Counter()  # (kind, token or workspace key)
        self._waiting: Counter[tuple[str, str]] = Counter()  # (kind, workspace key)
        self._ended: dict[str, asyncio.Condition] = {}
        self._pacing: Counter[str] = Counter()  # token key: requests waiting for a place (before_body)

    def _room(self, kind: str, keys: tuple[str, str]) -> bool:
        quota = self.quotas[kind]
        return (self._in_flight[(kind, keys[0])] < quota.per_token
                and self._in_flight[(kind, keys[1])] < quota.per_workspace)

    @contextlib.asynccontextmanager
    async def admitted(self, kind: str, token_id: str, workspace: str) -> AsyncIterator[None]:
        keys = (f"t:{token_id}", f"w:{workspace}")
        if not self._room(kind, keys):
            await self._queue(kind, keys)
        try:
            with counted(self._in_flight, (kind, keys[0])), counted(self._in_flight, (kind, keys[1])):
                yield
        finally:
            ended = self._ended.get(kind)
            if ended is not None:
                async with ended:
                    ended.notify_all()

    async def before_body(self, kind: str, token_id: str, workspace: str) -> None:
        """``OverCapacity`` if a request of ``kind`` could neither run nor wait, asked by a
        batch before it reads its body: a refused client's body is not read. Up to
        ``PACED_S`` it waits for a place first (at most ``PACED_PER_KEY`` of a token at
        once), so a client that sends again the moment it is refused is slowed to about
        one attempt a second per connection, not refused as fast as it can connect."""
        keys = (f"t:{token_id}", f"w:{workspace}")
        if self._room(kind, keys) or self._may_wait(kind, keys):
            return
        if self._pacing[keys[0]] < PACED_PER_KEY:
            with counted(self._pacing, keys[0]):
                for _ in range(round(PACED_S / POLL_S)):
                    await asyncio.sleep(POLL_S)
                    if self._room(kind, keys) or self._may_wait(kind, keys):
                        return
        raise self._over(kind)

    def _may_wait(self, kind: str, keys: tuple[str, str]) -> bool:
        """A long-poll does not wait, nor a request whose workspace already has
        ``WAITING_PER_SLOT`` times its quota waiting (each holds what it has read: a batch,
        its body)."""
        cap = WAITING_PER_SLOT * self.quotas[kind].per_workspace
        return kind not in NO_QUEUE and self._waiting[(kind, keys[1])] < cap

    async def _queue(self, kind: str, keys: tuple[str, str]) -> None:
        """Until there is room (in this task: no other request can take it first), or
        ``queue_s``, when it may wait at all (``_may_wait``)."""
        if self._may_wait(kind, keys):
            ended = self._ended.setdefault(kind, asyncio.Condition())
            with counted(self._waiting, (kind, keys[1])), contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.queue_s), ended:
                    await ended.wait_for(lambda: self._room(kind, keys))
                return
        raise self._over(kind)

    def _over(self, kind: str) -> OverCapacity:
        quota = self.quotas[kind]
        return OverCapacity(
            f"too many {kind} requests in flight for this token or workspace (at most {quota.per_token} "
            f"per token, {quota.per_workspace} per workspace); retry after a moment",
            retry_after_s=1, details={"kind": kind, "per_token": quota.per_token,
                                      "per_workspace": quota.per_workspace})


async def charged(state, kind: str, token_id: str, counts_as: int | None = None) -> None:
    """Take what a request of ``kind`` counts as (``COUNTS_AS``, or ``counts_as``) beyond
    the one it already took from its token's rate limit (waiting for them as any request
    may); raise ``RateLimited`` if they are not left (then none is taken)."""
    buckets = state.rate_limits.per_token
    counts_as = min(counts_as or COUNTS_AS[kind], buckets.burst)  # never more than a full bucket holds
    wait = await buckets.taken(token_id, counts_as - 1) if counts_as > 1 else 0.0
    if wait > 0:
        retry = max(1, math.ceil(wait))
        what = (f"a batch counts as one request per {RECORDS_PER_COUNT} records ({counts_as} here)" if kind == "batch"
                else f"a {kind} request counts as {counts_as}")
        raise RateLimited(
            f"{what} toward this token's rate limit ({buckets.rate_per_s:g} a second, bursts of "
            f"{buckets.burst}), and they are spent; retry in {retry} s",
            retry_after_s=retry, details={"limit": "REFGRAPH_RATE_LIMIT_PER_S", "value": buckets.rate_per_s,
                                          "kind": kind, "counts_as": counts_as})


def batch_counts_as(records: int) -> int:
    """What a batch of ``records`` counts as toward its token's rate: its records cost the
    API's CPU (about 30 µs each, parsed and checked) whatever the requests they come in."""
    return max(1, math.ceil(records / RECORDS_PER_COUNT))


@contextlib.asynccontextmanager
async def admitted(request: Request, kind: str, *, charge: bool = True) -> AsyncIterator[None]:
    """The request's slot of ``kind`` (its caller is known: the API authenticated it),
    once it has paid what ``kind`` counts as (``charge``: False for a long-poll's reads,
    which its start paid for, and for a batch, which pays once its records are counted)."""
    caller = request.state.caller
    if charge:
        await charged(request.app.state, kind, caller.token_id)
    async with request.app.state.admission.admitted(kind, caller.token_id, caller.workspace):
        yield
