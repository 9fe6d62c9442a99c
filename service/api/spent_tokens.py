"""A token whose rate limit is spent, and that may not wait for it (``TokenBuckets.refused``),
is answered ``429`` here, in front of every other layer of the app, when who it is is
known without the database (a static token, or a
database token in this process's cache); any other request goes on to
``AuthMiddleware``, which decides as before.

Under bench.isolation's long-polls (600 connections a second from one token, nearly all
refused) each refusal on a new connection cost the API process about 300 µs of CPU
through the whole stack; answered here, about 255 µs, of which uvicorn's own work for a
connection is about 184 µs (a bare ASGI app answering 429). The answer is the one ``AuthMiddleware`` gives, with its request id, timed
and logged as every answer is."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.auth import bearer, known_caller, token_limited
from service.api.observability import accounted, request_id_of
from service.api.paths import in_areas


class SpentTokensMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wait = _spent(scope) if in_areas(scope) else 0.0
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        started, request_id = time.perf_counter(), request_id_of(scope)
        answer = token_limited(scope, wait, scope["app"].state.rate_limits.per_token)
        answer.headers["X-Request-Id"] = request_id
        await answer(scope, receive, send)
        accounted(scope, request_id, 429, "rate_limited", started)


def _spent(scope: Scope) -> float:
    """The seconds the request's token would be told to wait; 0 when it would go on (at
    once or paced), or when the token is not known without the database."""
    state = scope["app"].state
    caller = known_caller(state, bearer(dict(scope.get("headers") or []).get(b"authorization")))
    return state.rate_limits.per_token.refused(caller.token_id) if caller is not None else 0.0
