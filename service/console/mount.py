"""The console in the app: its pages, its static files and its rate-limit page (its
headers are a middleware, ``service/console/headers.py``, added in order with the others). ``service/main.py`` calls ``install`` once; the pages use the same stores and
services as the REST API, through ``app.state``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.console.kit import ConsoleBusy, ConsoleRateLimited, busy, rate_limited
from service.console.pages import (
    attributes,
    changes,
    connectors,
    deletes,
    missing,
    objects,
    reports,
    selectors,
    sign_in,
    types,
)

STATIC = Path(__file__).resolve().parent / "static"
PAGES = (sign_in, types, attributes, objects, connectors, selectors, reports, changes, deletes)


def install(app: FastAPI) -> None:
    for page in PAGES:
        app.include_router(page.router)
    app.add_exception_handler(ConsoleRateLimited, rate_limited)
    app.add_exception_handler(ConsoleBusy, busy)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(missing.router)  # last: what no page or static file answers
