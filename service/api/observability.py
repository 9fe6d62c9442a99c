"""Request logs and Prometheus metrics.

Every request gets an id (the caller's ``X-Request-Id`` if it sends one, else a new
one), returned in ``X-Request-Id`` and written in one JSON log line on the
``refgraph.access`` logger: id, method, path, route, status, error code, milliseconds.
Each error's code is checked against the error catalogue (``service.api.catalogue``). Headers are
never logged, so neither are tokens or secrets.

``GET /metrics`` (Prometheus text format): request latency by method, route and status;
Neo4j transaction retries (counted from the driver's retry log lines); connector runs
by status and error class.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api import catalogue
from service.api.paths import route_template
from service.domain.events import Cause
from service.metrics import REGISTRY, REQUEST_SECONDS, TRANSACTION_RETRIES
from service.store.change_log import caused_by

access_log = logging.getLogger("refgraph.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
BATCH_PATH = re.compile(r"^/v1/objects/[^/]+/batch$")

class _RetryCounter(logging.Handler):
    """The driver logs each retry ("Transaction failed and will be retried in ..."): count them."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Transaction failed and will be retried"):
            TRANSACTION_RETRIES.inc()


def count_driver_retries() -> None:
    logger = logging.getLogger("neo4j")
    if not any(isinstance(h, _RetryCounter) for h in logger.handlers):
        logger.addHandler(_RetryCounter(level=logging.WARNING))


def set_up_logs(access_log_path: str) -> None:
    """The driver's retries counted, and the access log where ``REFGRAPH_ACCESS_LOG`` says."""
    count_driver_retries()
    access_log_to(access_log_path)


def access_log_to(path: str) -> None:
    """The access log's lines to the file ``path`` only (``REFGRAPH_ACCESS_LOG``; empty or
    ``-``: where the process's logging sends them, standard error under ``refgraph serve``)."""
    if path in ("", "-") or any(getattr(h, "baseFilename", None) == str(Path(path).resolve()) for h in access_log.handlers):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        status, code = 500, None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, code
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif status >= 400 and code is None and message["type"] == "http.response.body":
                code = _error_code(message.get("body", b""))
            await send(message)

        try:
            with caused_by(Cause(_cause_kind(scope["path"]), None, request_id)):  # what the writes' events say
                await self.app(scope, receive, send_with_id)
        finally:
            accounted(scope, request_id, status, code, started)


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-Id`` if it is one we can log, else a new one."""
    given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


def accounted(scope: Scope, request_id: str, status: int, code: str | None, started: float) -> None:
    """An answer timed, checked against the error catalogue and logged."""
    seconds = time.perf_counter() - started
    route = route_template(scope)
    if scope["path"] != "/metrics":
        REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(seconds)
    if code:
        catalogue.observe(f"{scope['method']} {route}", status, code)
    if access_log.isEnabledFor(logging.INFO):  # the line costs more than the check
        access_log.info(json.dumps({"request_id": request_id, "method": scope["method"],
                                    "path": scope["path"], "route": route, "status": status,
                                    "code": code, "ms": round(seconds * 1000, 2)}))


def _cause_kind(path: str) -> str:
    if path.startswith("/intercom/"):
        return "intercom"
    return "batch" if BATCH_PATH.match(path) else "api"


def _error_code(body: bytes) -> str | None:
    """The ``error.code`` of an error answer (always small, sent in one piece)."""
    if not body.startswith(b'{"error"') or len(body) > 1_000_000:
        return None
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


async def metrics(_request) -> Response:
    """This process's metrics; with several processes (``PROMETHEUS_MULTIPROC_DIR``, set by
    ``refgraph serve --workers``), all of theirs added up, whichever process answers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
