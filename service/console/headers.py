"""The console's pages forbid what a browser would otherwise allow: being framed by
another site (clickjacking), scripts and styles from anywhere but refgraph (the console
has no script at all), forms posting elsewhere, the page's address leaking to others, and
a copy kept by a browser's or a proxy's cache: the sign-in page takes a token and every
page carries its session's CSRF secret (``Cache-Control: no-store``; the static files may
be cached)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.paths import in_console, route_path
from service.api.secret_answers import NO_STORE
from service.store.change_log import acting_as

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
STATIC = "/console/static/"


class ConsoleHeadersMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not in_console(scope):
            await self.app(scope, receive, send)
            return

        page = not route_path(scope).startswith(STATIC)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if page:
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        with acting_as(None):  # a session found by this request acts for it only (kit.session_of)
            await self.app(scope, receive, with_headers)
