"""Who is calling, decided once, before anything else reads the request or writes.

Every request under ``/v1`` and ``/intercom`` (relative to the app's root path, so a
proxy prefix changes nothing) must carry ``Authorization: Bearer <token>``; the
middleware resolves it to a ``Caller`` (token id, workspace, scope) and leaves it in
``request.state.caller``. Then, in this order:

- no token, or a token that is not valid: ``401``, and a failed attempt takes from its
  client address's own bucket (``REFGRAPH_AUTH_FAILURES_PER_S``, bursts of
  ``REFGRAPH_AUTH_FAILURE_BURST``); an address that has spent it gets ``429`` before its
  token is even looked up, so guessing costs no database work (a token found valid
  within the hour is still looked up: guessers cannot lock its owner out);
- a valid token takes from its own bucket, keyed by the token's id (not the header's
  spelling): ``REFGRAPH_RATE_LIMIT_PER_S``, bursts of ``REFGRAPH_RATE_LIMIT_BURST``.

Which scope a route needs is decided by the matched route (``service.api.deps``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from cachetools import LRUCache
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.errors import error_response
from service.api.paths import in_areas
from service.domain.tokens import Scope as TokenScope
from service.store.pool_share import current_workspace

MAX_BUCKETS = 100_000  # tokens or addresses with a bucket; the least recently seen go first


@dataclass(frozen=True)
class Caller:
    token_id: str  # a database token's id, or "static:" and a hash of a static token
    workspace: str
    scope: TokenScope


class TokenBuckets:
    """Token buckets in this process, at most ``MAX_BUCKETS`` of them (least recently
    used dropped: a dropped bucket starts full again)."""

    def __init__(self, rate_per_s: float, burst: int):
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._buckets: LRUCache = LRUCache(maxsize=MAX_BUCKETS)

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: str) -> float:
        """0 if there is a request left now (and takes it), else the seconds until there is."""
        if self.rate_per_s <= 0:
            return 0.0
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate_per_s)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate_per_s

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


@dataclass(frozen=True)
class RateLimits:
    """One set of buckets for the API and the console: a token's requests, and an
    address's failed authentications (a guesser gets one budget, not one per door)."""
    per_token: TokenBuckets
    failures: TokenBuckets

    def refused_for(self, state, token: str | None, address: str) -> float:
        """How long ``address`` must wait before ``token`` is looked up (0: go on). A static
        or recently valid token never waits for others' failures from its address."""
        if token and (_static(state.tokens, token) is not None or state.token_store.known(token)):
            return 0.0
        return self.failures.empty(address)


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
        caller = _static(state.tokens, token) if token else None
        if caller is None:
            wait = self.limits.refused_for(state, token, address)  # a spent address waits before any look-up
            if wait > 0:
                await self._limited(scope, receive, send, wait, "failed authentications from this address",
                                    "REFGRAPH_AUTH_FAILURES_PER_S", self.failures)
                return
        if caller is None and token:
            try:
                found = await state.token_store.find(token)
            except (ServiceUnavailable, SessionExpired, Neo4jError, OSError):
                await error_response(503, "database_unavailable", "Neo4j is not reachable; try again shortly",
                                     headers={"Retry-After": "2"})(scope, receive, send)
                return
            caller = Caller(*found) if found else None
        if caller is None:
            self.failures.wait(address)
            message = ("the bearer token is not valid" if token else
                       "missing bearer token: send 'Authorization: Bearer <token>'")
            await error_response(401, "unauthorized", message,
                                 headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        wait = self.per_token.wait(caller.token_id)
        if wait > 0:
            await self._limited(scope, receive, send, wait, "requests with this token",
                                "REFGRAPH_RATE_LIMIT_PER_S", self.per_token)
            return
        scope.setdefault("state", {})["caller"] = caller
        bound = current_workspace.set(caller.workspace)  # its sessions take the workspace's connection slots
        try:
            await self.app(scope, receive, send)
        finally:
            current_workspace.reset(bound)

    @staticmethod
    async def _limited(scope, receive, send, wait: float, what: str, setting: str, buckets: TokenBuckets):
        retry = str(max(1, math.ceil(wait)))
        await error_response(
            429, "rate_limited",
            f"more than {buckets.rate_per_s:g} {what} a second (bursts of {buckets.burst}); retry in {retry} s",
            {"limit": setting, "value": buckets.rate_per_s}, headers={"Retry-After": retry})(scope, receive, send)
