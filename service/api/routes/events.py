"""GET /v1/events: the workspace's change feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from service.api.admission import admitted
from service.api.client_gone import until_disconnected
from service.api.deps import Workspace
from service.api.pagination import MAX_LIMIT
from service.domain.events import Position, parse_patterns
from service.services.event_feed import EventFeed

router = APIRouter(tags=["events"])
MAX_WAIT_S = 30
NOW = "now"  # after=now: from the end of the feed


class EventObject(BaseModel):
    type: str
    id: str | None = None
    external_id: str | None = None


class EventPublic(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    type: str
    occurred_at: str
    object: EventObject
    attribute: str | None = None
    inverse: str | None = None
    target: EventObject | None = None
    changes: dict[str, list[Any]] | None = None
    cause: dict[str, Any]


class EventsPage(BaseModel):
    data: list[EventPublic]
    next_cursor: str
    has_more: bool


@router.get("/events", response_model=EventsPage, response_model_exclude_none=True)
async def list_events(request: Request, workspace: Workspace,
                      after: str | None = Query(None, description=(
                          "A next_cursor: the events after it. `now`: the end of the feed (an empty page whose "
                          "next_cursor follows what happens from now on; with wait=, the next events). "
                          "Without it, the oldest event kept")),
                      limit: int = Query(100, ge=1, le=MAX_LIMIT), types: str | None = None,
                      wait: float = Query(0, ge=0, le=MAX_WAIT_S)):
    feed: EventFeed = request.app.state.event_feed
    position, patterns = (None if after == NOW else Position.parse(after)), parse_patterns(types)
    # A long-poll holds a "wait" slot; each of its reads a "feed" slot, as a read without wait does.
    read_slot = (lambda: admitted(request, "feed", charge=False)) if wait else None
    async with admitted(request, "wait" if wait else "feed"):
        if position is None:
            position = await feed.now(workspace)
        page = await until_disconnected(request, feed.page(workspace, position, patterns, limit, wait, read_slot))
    # Written straight to JSON, as EventsPage documents it (None left out): validating each of
    # a page's events into models, and again on the way out, cost more than reading them.
    return Response(to_json({"data": [_public(event) for event in page.events],
                             "next_cursor": page.position.text(), "has_more": page.full}),
                    media_type="application/json")


def _public(event: dict[str, Any]) -> dict[str, Any]:
    """An event as ``EventPublic`` with ``exclude_none`` answers it: fields (its own and its
    object's and target's) that are None left out; values inside ``changes`` kept."""
    return {key: ({k: v for k, v in value.items() if v is not None} if key in ("object", "target") else value)
            for key, value in event.items() if value is not None}
