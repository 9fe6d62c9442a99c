"""The request body's size limit (413 naming it), applied before a route reads the body
(the API's areas and the console's forms, signed in or not):
a declared ``Content-Length`` over the limit is refused at once, a streamed body as soon
as it passes it. (Rate limits are per caller: ``service.api.auth``.)"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_response
from service.api.paths import in_areas, in_console


class BodyTooLarge(Exception):
    pass


class LimitsMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (in_areas(scope) or in_console(scope)):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
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
