"""Answers that show a secret: a webhook's signing secret (``whsec_...``), shown once when
the webhook is made and when it is rotated. The route says which fields of its answer
hold one, with ``shows_secret("secret")`` on its handler, and that is all a new route of
the kind needs:

- the answer is sent with ``Cache-Control: no-store`` (``SecretAnswersMiddleware``), so no
  browser, proxy or CDN keeps a copy;
- the idempotency middleware (``service.api.idempotency``) keeps it for a retry without
  those fields (``redacted``), so no secret is at rest in ``:_IdempotencyKey``: a replay
  answers without them (the secret was shown once; ``rotate_secret`` makes a new one).

Nothing else carries a secret out: a connector secret's value is write-only
(``PUT /v1/secrets/{name}`` answers its name), tokens are made by the CLI, and the
console's pages are ``no-store`` whole (``service.console.headers``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = "no-store"
_FIELDS = "_refgraph_secret_fields"


def shows_secret(*fields: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a route whose answer holds a secret in these top-level fields."""
    def mark(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        setattr(endpoint, _FIELDS, fields)
        return endpoint
    return mark


def secret_fields(scope: Scope) -> tuple[str, ...]:
    """The fields of the matched route's answer that hold a secret (none before routing)."""
    return getattr(getattr(scope.get("route"), "endpoint", None), _FIELDS, ())


def redacted(body: bytes, fields: tuple[str, ...]) -> bytes:
    """The answer without the secret fields. An answer of such a route that is not a JSON
    object is kept as nothing at all, never as it was."""
    try:
        answer = json.loads(body)
    except ValueError:
        return b""
    if not isinstance(answer, dict):
        return b""
    kept = {key: value for key, value in answer.items() if key not in fields}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()


class SecretAnswersMiddleware:
    """``Cache-Control: no-store`` on the answers of the routes marked ``shows_secret``
    (an error of theirs too: the header costs nothing)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start" and secret_fields(scope):
                MutableHeaders(scope=message)["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, no_store)
