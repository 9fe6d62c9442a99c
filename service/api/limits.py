"""Request limits applied before a request reaches a route: the body size (413) and a
per-token rate (429 with ``Retry-After``). Both name the limit in the error.

The rate is a token bucket per bearer token, kept in this process: ``rate_per_s``
requests a second on average, bursts of ``burst``. With several API processes each has
its own buckets (the limit is per process).
"""

from __future__ import annotations

import hashlib
import math
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_response

AREAS = ("/v1/", "/intercom/")


class BodyTooLarge(Exception):
    pass


class LimitsMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, rate_per_s: float, burst: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._buckets: dict[bytes, tuple[float, float]] = {}  # token hash -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(AREAS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.rate_per_s > 0:
            wait = self._take(hashlib.sha256(headers.get(b"authorization", b"")).digest())
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                await error_response(
                    429, "rate_limited",
                    f"more than {self.rate_per_s:g} requests a second (bursts of {self.burst}) with this token; "
                    f"retry in {retry} s", {"limit": "REFGRAPH_RATE_LIMIT_PER_S", "value": self.rate_per_s},
                    headers={"Retry-After": retry})(scope, receive, send)
                return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, "payload_too_large",
                             f"the request body is larger than {self.max_body_bytes:,} bytes",
                             {"limit": "REFGRAPH_MAX_BODY_BYTES", "value": self.max_body_bytes})(scope, receive, send)

    def _take(self, key: bytes) -> float:
        """0 if the request may go now, else the seconds until it could."""
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate_per_s)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate_per_s
