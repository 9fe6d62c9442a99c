"""Webhook endpoints as a workspace subscribes them, and the rules of delivering to one.
Pure: no I/O.

A delivery is a POST of ``{"events": [...]}``: consecutive events of one transaction
that the endpoint subscribed to (at most ``MAX_EVENTS_PER_DELIVERY``), signed by the
Standard Webhooks specification. An endpoint gets its deliveries in feed order, one at
a time; a failed one is tried again, with exponential backoff and jitter, until it
succeeds or the endpoint has failed for ``disable_after_s`` (then it is disabled with
the reason, and re-enabling it resumes where it stopped).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.domain.events import parse_patterns

SECRET_PREFIX = "whsec_"
MAX_EVENTS_PER_DELIVERY = 100
MAX_WEBHOOKS = 20  # per workspace: each one is deliveries the server makes
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 3600.0


def _check_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise ValueError("not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("an http or https URL with a host")
    return url


def _check_patterns(patterns: list[str]) -> list[str]:
    parse_patterns(",".join(patterns))  # InvalidInput (422 invalid_event_types) names the bad one
    return patterns


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(..., min_length=1, max_length=2000, description="where deliveries are POSTed")
    events: list[str] = Field(["*"], min_length=1, max_length=20,
                              description="event types or patterns: `object.*`, `reference.added`, `*`")
    description: str = Field("", max_length=2000)

    _url = field_validator("url")(_check_url)
    _events = field_validator("events")(_check_patterns)


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(None, min_length=1, max_length=2000)
    events: list[str] | None = Field(None, min_length=1, max_length=20)
    description: str | None = Field(None, max_length=2000)
    enabled: bool | None = Field(None, description="true resumes a disabled endpoint where it stopped")

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        return None if url is None else _check_url(url)

    @field_validator("events")
    @classmethod
    def _events(cls, events: list[str] | None) -> list[str] | None:
        return None if events is None else _check_patterns(events)


def new_secret() -> str:
    """A signing secret as the Standard Webhooks libraries take it: ``whsec_`` + base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def retry_in(failures: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``failures`` failures in a row: 1, 2, 4 ...
    up to an hour, each within ±20% (so endpoints that failed together do not retry together)."""
    base = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, failures - 1))
    return base * (0.8 + 0.4 * (rng or random).random())


def delivery(events: list[dict[str, Any]]) -> tuple[str, bytes]:
    """The delivery's id (the event's id; for several, the first's and how many) and its body."""
    delivery_id = events[0]["id"] if len(events) == 1 else f"{events[0]['id']}+{len(events) - 1}"
    return delivery_id, json.dumps({"events": events}, separators=(",", ":")).encode()


def deliverable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The next delivery's events: the first pending event and those after it from the
    same transaction (their ids share the batch's), at most ``MAX_EVENTS_PER_DELIVERY``."""
    if not events:
        return []
    batch = events[0]["id"].rsplit(".", 1)[0]
    return [e for e in events if e["id"].rsplit(".", 1)[0] == batch][:MAX_EVENTS_PER_DELIVERY]
