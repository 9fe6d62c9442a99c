"""Who is calling, decided once, before anything else reads the request or writes.

Every request under ``/v1`` and ``/intercom`` (relative to the app's root path, so a
proxy prefix changes nothing) must carry ``Authorization: Bearer <token>``; the
middleware resolves it to a ``Caller`` (token id, workspace, scope) and leaves it in
``request.state.caller``. Then, in this order:

- no token, or a token that is not valid: ``401``, and a failed attempt takes from its
  client address's own bucket (``REFGRAPH_AUTH_FAILURES_PER_S``, bursts of
  ``REFGRAPH_AUTH_FAILURE_BURST``); once an address has spent it, a token from it that
  is not valid gets ``429``. A valid token never waits for others' failures: from a
  spent address it is still looked up, by the token cache or one indexed read of its
  hash, so a restart, another ``--workers`` process or a shared proxy address locks no
  one out. Those look-ups are bounded: a token that is not ``rg_``-shaped, or whose miss
  is cached, costs nothing, and at most ``SPENT_LOOKUPS`` run at once in a process
  (past that, ``429``);
- a valid token takes from its own bucket, keyed by the token's id (not the header's
  spelling): ``REFGRAPH_RATE_LIMIT_PER_S``, bursts of ``REFGRAPH_RATE_LIMIT_BURST``.

Which scope a route needs is decided by the matched route (``service.api.deps``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from cachetools import LRUCache
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.counted import counted
from service.api.errors import closing, error_response
from service.api.paths import in_areas
from service.domain.tokens import Scope as TokenScope
from service.store.change_log import acting_as
from service.store.pool_share import serving

MAX_BUCKETS = 100_000  # tokens or addresses with a bucket; the least recently seen go first
PACED_S = 1.0  # a token's request waits up to this long for its rate rather than being refused
PACED_PER_KEY = 8  # requests of one token waiting so at once
SPENT_LOOKUPS = 8  # token look-ups at once, in a process, for addresses whose failures are spent


@dataclass(frozen=True)
class Caller:
    token_id: str  # a database token's id, or "static:" and a hash of a static token
    workspace: str
    scope: TokenScope


class TokenBuckets:
    """Token buckets in this process, at most ``MAX_BUCKETS`` of them (least recently
    used dropped: a dropped bucket starts full again). With ``pace_s``, a caller whose
    bucket is short waits up to that long for it rather than being refused, at most
    ``PACED_PER_KEY`` of a key at once: a client that sends again the moment it is
    refused is slowed to its rate instead of answered as fast as the API can refuse
    (bench.isolation: 8 such clients made about 1,000 refusals a second)."""

    def __init__(self, rate_per_s: float, burst: int, pace_s: float = 0):
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.pace_s = pace_s
        self._buckets: LRUCache = LRUCache(maxsize=MAX_BUCKETS)
        self._pacing: Counter = Counter()

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: str, requests: float = 1) -> float:
        """0 if there are ``requests`` left now (and takes them), else the seconds until there are."""
        if self.rate_per_s <= 0:
            return 0.0
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate_per_s)
        if tokens >= requests:
            self._buckets[key] = (tokens - requests, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (requests - tokens) / self.rate_per_s

    async def taken(self, key: str, requests: float = 1) -> float:
        """0 once ``requests`` are taken: at once, or after waiting for them when that may
        be paced (they are taken first: the next caller waits behind). Else the seconds
        until they are there, nothing taken."""
        wait = self.wait(key, requests)
        if wait <= 0 or not self._may_pace(key, wait):
            return wait
        tokens, at = self._buckets[key]
        self._buckets[key] = (tokens - requests, at)
        with counted(self._pacing, key):
            await asyncio.sleep(wait)
        return 0.0

    def refused(self, key: str) -> float:
        """The seconds a request of ``key`` would be told to wait if it came now (0: it would
        go on, at once or paced); nothing taken."""
        wait = self.empty(key)
        return wait if wait > 0 and not self._may_pace(key, wait) else 0.0

    def _may_pace(self, key: str, wait: float) -> bool:
        return wait <= self.pace_s and self._pacing[key] < PACED_PER_KEY

    def empty(self, key: str) -> float:
        """Like ``wait`` without taking: the seconds until the bucket has a request left."""
        found = self._buckets.get(key)
        if self.rate_per_s <= 0 or found is None:
            return 0.0
        tokens = min(float(self.burst), found[0] + (time.monotonic() - found[1]) * self.rate_per_s)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate_per_s


def bearer(header: bytes | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, however its scheme is cased or spaced."""
    if header is None:
        return None
    scheme, _, value = header.decode("latin-1").strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _static(tokens: dict[str, str], token: str) -> Caller | None:
    """A static token (REFGRAPH_TOKENS): every scope in its workspace."""
    presented = token.encode()
    for static, workspace in tokens.items():
        if hmac.compare_digest(presented, static.encode()):
            return Caller("static:" + hashlib.sha256(presented).hexdigest()[:16], workspace, "admin")
    return None


async def caller_for(state, token: str) -> Caller | None:
    """Who a token is (a static token, or a database token still valid), or None."""
    if not token:
        return None
    caller = _static(state.tokens, token)
    if caller is None:
        found = await state.token_store.find(token)
        caller = Caller(*found) if found else None
    return caller


class LookupSlots:
    """At most ``cap`` look-ups at once (one event loop: a plain count is enough)."""

    def __init__(self, cap: int):
        self.cap = cap
        self.running = 0

    @contextlib.contextmanager
    def slot(self) -> Iterator[bool]:
        """True and a slot held until the block ends, or False when all are taken."""
        if self.running >= self.cap:
            yield False
            return
        self.running += 1
        try:
            yield True
        finally:
            self.running -= 1


@dataclass(frozen=True)
class RateLimits:
    """One set of buckets for the API and the console: a token's requests, and an
    address's failed authentications (a guesser gets one budget, not one per door)."""
    per_token: TokenBuckets
    failures: TokenBuckets
    spent_lookups: LookupSlots = field(default_factory=lambda: LookupSlots(SPENT_LOOKUPS))

    async def authenticate(self, state, token: str | None, address: str) -> tuple[Caller | None, float]:
        """Who ``token`` is, or None; and the seconds ``address`` must wait (0: answer now).
        A token that is not valid takes from the address's failures; once they are spent
        it waits (429). A valid token never waits for them (see the module's words).
        Neo4j's errors go to the caller (503)."""
        static = _static(state.tokens, token) if token else None
        if static is not None:
            return static, 0.0
        wait = self.failures.empty(address)
        if wait <= 0:
            caller = await caller_for(state, token or "")
            if caller is None:
                self.failures.wait(address)
            return caller, 0.0
        caller = await self._spent_lookup(state, token or "")
        return (caller, 0.0) if caller is not None else (None, wait)

    async def _spent_lookup(self, state, token: str) -> Caller | None:
        """The look-up for a spent address: from the cache when it knows; else one read, in
        a free slot (a token this process found valid within the hour needs none); else None."""
        store = state.token_store
        hit, found = store.cached(token)
        if not hit and store.known(token):
            found = await store.find(token)
        elif not hit:
            with self.spent_lookups.slot() as free:
                found = await store.find(token) if free else None
        return Caller(*found) if found else None


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, limits: RateLimits):
        self.app = app
        self.per_token = limits.per_token
        self.failures = limits.failures
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not in_areas(scope):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown",))[0]
        token = bearer(dict(scope.get("headers") or []).get(b"authorization"))
        state = scope["app"].state
        try:
            caller, wait = await self.limits.authenticate(state, token, address)
        except (ServiceUnavailable, SessionExpired, Neo4jError, DriverError, OSError):
            await error_response(503, "database_unavailable", "Neo4j is not reachable; try again shortly",
                                 headers={"Retry-After": "2"})(scope, receive, send)
            return
        if wait > 0:
            await limited(scope, wait, "failed authentications from this address", "REFGRAPH_AUTH_FAILURES_PER_S",
                          self.failures)(scope, receive, send)
            return
        if caller is None:
            message = ("the bearer token is not valid" if token else
                       "missing bearer token: send 'Authorization: Bearer <token>'")
            await error_response(401, "unauthorized", message,
                                 headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        wait = await self.per_token.taken(caller.token_id)
        if wait > 0:
            await token_limited(scope, wait, self.per_token)(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        # its sessions take the workspace's connection slots; what it changes is recorded as its
        with serving(caller.workspace), acting_as(caller.token_id):
            await self.app(scope, receive, send)


def limited(scope: Scope, wait: float, what: str, setting: str, buckets: TokenBuckets) -> JSONResponse:
    """The ``429`` for a spent bucket."""
    retry = str(max(1, math.ceil(wait)))
    return error_response(
        429, "rate_limited",
        f"more than {buckets.rate_per_s:g} {what} a second (bursts of {buckets.burst}); retry in {retry} s",
        {"limit": setting, "value": buckets.rate_per_s}, headers={"Retry-After": retry, **closing(scope)})


def token_limited(scope: Scope, wait: float, buckets: TokenBuckets) -> JSONResponse:
    return limited(scope, wait, "requests with this token", "REFGRAPH_RATE_LIMIT_PER_S", buckets)


def known_caller(state, token: str | None) -> Caller | None:
    """Who ``token`` is when that is known without the database (a static token, or a
    database token in this process's cache), else None."""
    if not token:
        return None
    static = _static(state.tokens, token)
    if static is not None:
        return static
    hit, found = state.token_store.cached(token)
    return Caller(*found) if hit and found else None
