"""``Idempotency-Key`` on writes, as Stripe does it.

A write (POST, PUT, PATCH, DELETE under /v1 or /intercom) that carries the header runs
once per (token id, key), and only once the token is known to be valid (a replay too:
a revoked token gets 401, not the stored answer): the key is claimed in the graph under
a uniqueness constraint before the request runs, and the answer is kept with it. A retry with the same key and
the same request gets the first answer again (header ``Idempotent-Replayed: true``) and
writes nothing; the same key with a different request is ``422``; a request whose twin
is still running waits for its answer (up to 30 s, else ``409``). A server error (5xx)
is not kept, so a retry runs again, nor is a 403 or 429. Keys expire after 24 hours and
are purged in the background (``purge_expired``), so the store of keys is bounded by the
rate limit times a day. An answer that shows a secret (a route marked ``shows_secret``,
``service.api.secret_answers``) is kept without it: no secret is at rest with the key, and
a replay answers without it.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid

from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import error_response
from service.api.paths import in_areas, route_path
from service.api.secret_answers import redacted, secret_fields
from service.metrics import IDEMPOTENCY_KEYS_PURGED
from service.store.pool_share import unshared

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
NOT_KEPT = {403, 405, 429}  # refused before the route ran: a retry (right token, later) runs
MAX_KEY = 255
EXPIRE_S = 24 * 3600
WAIT_S = 30.0
PURGE_BATCH = 1_000
USES = ["idempotency/claim", "idempotency/complete", "idempotency/release", "idempotency/get",
        "idempotency/purge"]


async def purge_expired(db) -> int:
    """Delete the keys older than 24 hours, a batch per transaction; how many went."""
    removed = 0
    while True:
        rows = await db.write_query("idempotency/purge", expire_s=EXPIRE_S, batch=PURGE_BATCH)
        removed += rows[0]["removed"]
        if rows[0]["removed"] < PURGE_BATCH:
            IDEMPOTENCY_KEYS_PURGED.inc(removed)
            return removed


class IdempotencyMiddleware:
    """Runs after authentication (``service.api.auth``): a request without a valid token
    never gets here, so it claims nothing."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        key = headers.get(b"idempotency-key")
        caller = (scope.get("state") or {}).get("caller")
        if (key is None or caller is None or caller.scope == "read" or scope["method"] not in WRITES
                or not in_areas(scope) or not scope["app"].state.migrations_ready.is_set()):
            await self.app(scope, receive, send)
            return
        key_text = key.decode("latin-1")
        if not 0 < len(key_text) <= MAX_KEY:
            await _answer(send, error_response(422, "invalid_idempotency_key",
                                               f"Idempotency-Key must be 1 to {MAX_KEY} characters"))
            return
        body = await _read_body(receive)
        namespaced = caller.token_id + ":" + key_text
        fingerprint = hashlib.sha256(b"\0".join(
            [scope["method"].encode(), route_path(scope).encode(), scope.get("query_string", b""),
             body])).hexdigest()
        db = scope["app"].state.db
        claim = str(uuid.uuid4())
        try:
            with unshared():
                rows = await db.write_query("idempotency/claim", key=namespaced, fingerprint=fingerprint,
                                           claim=claim, expire_s=EXPIRE_S)
            row = rows[0]
            if not row["mine"]:
                await _answer(send, await _earlier_answer(db, namespaced, fingerprint, row))
                return
        except (ServiceUnavailable, SessionExpired, Neo4jError, DriverError, OSError):
            await _answer(send, error_response(503, "database_unavailable",
                                               "Neo4j is not reachable; try again shortly",
                                               headers={"Retry-After": "2"}))
            return
        await self._run_and_keep(scope, body, send, db, namespaced, claim)

    async def _run_and_keep(self, scope, body: bytes, send: Send, db, key: str, claim: str) -> None:
        sent_body = False
        status, content_type, chunks = 500, "application/json", []

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await asyncio.Event().wait()  # the client stays connected

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            with unshared():
                await db.write_query("idempotency/release", key=key, claim=claim)
            raise
        with unshared():
            if status >= 500 or status in NOT_KEPT or scope.get("route") is None:  # no route: nothing ran
                await db.write_query("idempotency/release", key=key, claim=claim)
            else:
                kept, secret = b"".join(chunks), secret_fields(scope)
                if secret:
                    kept = redacted(kept, secret)
                await db.write_query("idempotency/complete", key=key, claim=claim, status=status,
                                    body=kept.decode("utf-8", errors="replace"), content_type=content_type)


async def _earlier_answer(db, key: str, fingerprint: str, row: dict):
    if row["fingerprint"] != fingerprint:
        return error_response(422, "idempotency_key_reused",
                              "this Idempotency-Key was used for a different request; use a new key")
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while row is not None and row["state"] != "done":
        if asyncio.get_running_loop().time() > deadline:
            return error_response(409, "idempotency_key_in_progress",
                                  "a request with this Idempotency-Key is still running; retry later")
        await asyncio.sleep(0.05)
        rows = await db.read_query("idempotency/get", key=key)
        row = rows[0] if rows else None
    if row is None:  # the first request failed with a server error and gave the key up
        return error_response(409, "idempotency_key_in_progress",
                              "the first request with this Idempotency-Key failed; retry it")
    return Response(row["body"], status_code=row["status"], media_type=row["content_type"],
                    headers={"Idempotent-Replayed": "true"})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send: Send, response) -> None:
    async def no_receive() -> Message:
        return {"type": "http.disconnect"}

    await response({"type": "http", "method": "POST", "headers": []}, no_receive, send)
