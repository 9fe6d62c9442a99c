"""Every list answers ``{"data": [...], "next_cursor": "..." | null}`` and takes
``limit`` and ``cursor``. Cursors are opaque to clients: base64 of the last key seen."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Response
from pydantic import BaseModel
from pydantic_core import to_json

from service.domain.search import MAX_CURSOR
from service.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 1000


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = None


def page_response(data: list[dict], next_key: str | None, *, cursor: str | None = None,
                  total: int | None = None) -> Response:
    """A page already in its documented shape, written straight to JSON: the route's
    ``response_model`` still documents it, and FastAPI's validation of every item, which
    costs more than the query on a hot read, is skipped. ``cursor``: a next cursor
    already encoded (a search's); ``total``: with count=true."""
    page = {"data": data, "next_cursor": cursor or (encode_cursor(next_key) if next_key else None)}
    if total is not None:
        page["total"] = total
    return Response(to_json(page), media_type="application/json")


def page_by_name(items: list, limit: int, cursor: str | None, public: Callable[[Any], Any],
                 name: Callable[[Any], str] = lambda item: item.name) -> Page:
    """A page of a short list held in memory (types, reports, secrets), ``items`` sorted
    by ``name`` case-insensitively; the cursor is the last name seen."""
    after = decode_cursor(cursor)
    if after is not None:
        items = [item for item in items if name(item).lower() > after]
    page = items[:limit]
    more = len(items) > limit
    return Page(data=[public(item) for item in page],
                next_cursor=encode_cursor(name(page[-1]).lower()) if more else None)


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor of ``encode_cursor`` holds; one longer than any list gives out is
    refused before it is decoded."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _not_ours() from None


def decode_offset(cursor: str | None) -> int:
    """The offset a cursor of ``encode_cursor(str(n))`` holds (0 without one): ASCII digits,
    at most a Neo4j integer."""
    after = decode_cursor(cursor)
    if after is None:
        return 0
    if not (after.isascii() and after.isdigit() and len(after) <= 18):
        raise _not_ours()
    return int(after)


def _not_ours() -> InvalidInput:
    return InvalidInput("cursor is not one this API gave out (next_cursor of the previous page); start "
                        "again without it", code="invalid_cursor", details={"field": "cursor"})


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Cursor = Annotated[str | None, Query(description="next_cursor from the previous page")]
