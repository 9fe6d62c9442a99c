"""Delivering the change feed to webhook endpoints.

Each process that delivers (the API by default, or ``refgraph worker``) leases due
endpoints from the graph (``webhooks/claim``: one process per endpoint at a time), then
for each sends its pending events in feed order, one delivery at a time, each signed by
the Standard Webhooks specification. A 2xx moves the endpoint on; anything else is
retried with backoff (``domain/webhooks.retry_in``) and, after ``disable_after_s`` of
failures, disables the endpoint. An event is sent at least once: a process that dies
after a delivery and before recording it leaves the lease to expire, and the next one
sends that delivery again, with the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from typing import Any

from standardwebhooks import Webhook

from service.domain.events import Position
from service.domain.webhooks import (
    MAX_EVENTS_PER_DELIVERY,
    deliverable,
    delivery,
    retry_in,
)
from service.errors import InvalidInput
from service.fetch import FetchError, Limits, check_destination, post_once
from service.metrics import WEBHOOK_DELIVERIES, forget_webhook, webhook_lag
from service.services.event_feed import EventFeed
from service.store import change_log
from service.store.webhooks import WebhookStore

log = logging.getLogger("refgraph.webhooks")
PAGE = 10 * MAX_EVENTS_PER_DELIVERY  # events read from the feed at a time, delivered in turn


class Deliverer:
    def __init__(self, webhooks: WebhookStore, feed: EventFeed, limits: Limits, *, timeout_s: float = 10.0,
                 disable_after_s: float = 86_400.0, poll_s: float = 0.5, lease_s: float = 30.0):
        self.webhooks, self.feed, self.limits = webhooks, feed, limits
        self.timeout_s, self.disable_after_s, self.poll_s, self.lease_s = timeout_s, disable_after_s, poll_s, lease_s
        self.owner = uuid.uuid4().hex  # this process, for the leases it holds


    async def check_url(self, url: str) -> None:
        """``InvalidInput`` (422 ``host_not_allowed``) for a URL being saved that its
        deliveries may not reach (``fetch.check_destination``): said now, not at the first
        delivery."""
        try:
            await check_destination(url, self.limits.destinations)
        except FetchError as exc:
            raise InvalidInput(f"url: {exc.message}", code="host_not_allowed", details={"field": "url"}) from None
    async def run_forever(self, slots: int = 20) -> None:
        """Serve due endpoints, up to ``slots`` at once; a slot that frees takes the next
        due endpoint, so a slow endpoint delays only itself."""
        running: set[asyncio.Task] = set()
        wake = change_log.listener()
        while True:
            due = []
            if len(running) < slots:
                try:
                    due = await self.webhooks.claim(self.owner, limit=slots - len(running), lease_s=self.lease_s)
                except Exception:  # a lost connection, Neo4j restarting: try again shortly
                    log.exception("claiming webhooks failed; trying again")
            for webhook in due:
                task = asyncio.create_task(self._serve_safely(webhook))
                running.add(task)
                task.add_done_callback(self._finished(running, wake))
            if not due:  # woken at once by this process's writes; others' are polled
                await change_log.wait_for_new(wake, self.poll_s)

    @staticmethod
    def _finished(running: set[asyncio.Task], wake: asyncio.Event):
        """When a served endpoint is released: its slot frees, and events committed while
        it was held are claimed at once rather than at the next poll."""
        def done(task: asyncio.Task) -> None:
            running.discard(task)
            wake.set()
        return done

    async def _serve_safely(self, webhook: dict[str, Any]) -> None:
        """``_serve``; anything unexpected (a secret that no longer decrypts, Neo4j gone)
        counts as a failed attempt, so the endpoint backs off and may be disabled."""
        try:
            await self._serve(webhook)
        except Exception as exc:
            log.exception("delivering to webhook %s failed", webhook["id"])
            failures = (webhook.get("failures") or 0) + 1
            with contextlib.suppress(Exception):
                await self._settle(webhook, Position(webhook["position_seq"], webhook["position_index"]),
                                   failures=failures, release=True, retry_in_s=retry_in(failures),
                                   reason=f"internal error: {type(exc).__name__}")

    async def _serve(self, webhook: dict[str, Any]) -> None:
        """Deliver the endpoint's pending events until it is caught up, a delivery fails,
        or the lease is nearly over; then record where it is and release it."""
        position = Position(webhook["position_seq"], webhook["position_index"])
        patterns = tuple(webhook["events"])
        ends = time.monotonic() + self.lease_s / 2
        while time.monotonic() < ends:
            page = await self.feed.page(webhook["workspace"], position, patterns, PAGE)
            sent = 0
            while sent < len(page.events) and time.monotonic() < ends:
                chunk = deliverable(page.events[sent:])
                if (page.full and not page.bounded and sent + len(chunk) == len(page.events)
                        and len(chunk) < MAX_EVENTS_PER_DELIVERY):
                    break  # the page may have cut this transaction's events: read on from here
                # (a read stopped at its bound gives no more from here: deliver what it found)
                webhook_lag(webhook["id"], _age(chunk[0]["occurred_at"]))
                error = await self._send(webhook, chunk)
                if error is not None:
                    failures = (webhook.get("failures") or 0) + 1
                    await self._settle(webhook, position, failures=failures, release=True,
                                       retry_in_s=retry_in(failures), reason=error)
                    return
                sent += len(chunk)
                position = page.positions[sent - 1]
                webhook["failures"] = 0
                if not await self._settle(webhook, position, failures=0, release=False):
                    return  # edited, replayed or deleted since it was claimed, or the lease is gone
            if sent == len(page.events):
                position = page.position  # past the events it does not take, too
                if not page.full:
                    webhook_lag(webhook["id"], 0.0)
                    await self._settle(webhook, position, failures=0, release=True)
                    return
        await self._settle(webhook, position, failures=0, release=True)

    async def _send(self, webhook: dict[str, Any], events: list[dict[str, Any]]) -> str | None:
        """POST one delivery, record the attempt; the error, or None when it was taken."""
        delivery_id, body = delivery(events)
        now = dt.datetime.now(dt.timezone.utc)
        signature = Webhook(self.webhooks.secret_of(webhook)).sign(delivery_id, now, body.decode())
        headers = {"content-type": "application/json", "webhook-id": delivery_id,
                   "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature,
                   "user-agent": "refgraph-webhooks"}
        started = time.perf_counter()
        status, error = None, None
        try:
            status, excerpt = await post_once(webhook["url"], content=body, headers=headers,
                                              timeout_s=self.timeout_s, limits=self.limits)
            if not 200 <= status < 300:
                error = f"the endpoint answered {status}: {excerpt[:200]}"
        except FetchError as exc:
            error = f"{exc.error_class}: {exc.message}"
        outcome = "succeeded" if error is None else "failed"
        WEBHOOK_DELIVERIES.labels(outcome).inc()
        await self.webhooks.record_delivery(webhook, {
            "delivery_id": delivery_id, "events": len(events), "status": outcome, "http_status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1), "error": error,
            "attempt": webhook.get("failures", 0) + 1})
        return error

    async def _settle(self, webhook: dict[str, Any], position: Position, *, failures: int, release: bool,
                      retry_in_s: float = 0.0, reason: str | None = None) -> bool:
        """Record where the endpoint is; whether this process may go on delivering to it."""
        enabled = await self.webhooks.settle(
            webhook, self.owner, position, failures=failures, retry_in_s=retry_in_s, release=release,
            lease_s=self.lease_s, disable_after_s=self.disable_after_s,
            reason=f"disabled after failing for {self.disable_after_s:g} s; last error: {reason}" if reason else None)
        if enabled is False:
            log.warning("webhook %s disabled: %s", webhook["id"], reason)
        if not enabled:  # disabled, deleted, or no longer this process's: not in its lag
            forget_webhook(webhook["id"])
        return bool(enabled)


def _age(occurred_at: str) -> float:
    try:
        when = dt.datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return max(0.0, (dt.datetime.now(dt.timezone.utc) - when).total_seconds())
