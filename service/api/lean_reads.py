"""The hot read, a traversal, answered without FastAPI's per-request work (dependency
solving, parameter models, matching through the included routers): a plain route in
front of the documented one takes the requests whose parameters are plainly valid and
answers exactly as that route does, through the same scope check, store call and page.
Any other request (a parameter missing, malformed, repeated or unknown; the service not
ready) is not matched here and goes on to the documented route, which validates and
answers as always. What it saves is measured in bench/README.md."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import Scope

from service.api.deps import get_workspace
from service.api.pagination import MAX_LIMIT
from service.api.routes.objects import MAX_PATH, traverse_page
from service.domain.traversal import MAX_FILTERS

TRAVERSE = "/v1/objects/{type}/{id}/traverse"
_ONCE = {"path", "include", "limit", "cursor"}


def plain_traversal(query_string: bytes) -> dict[str, Any] | None:
    """The traversal's parameters, or None unless each is plainly valid (then the
    documented route reports what is wrong)."""
    try:
        items = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, strict_parsing=False,
                          encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    counts = Counter(name for name, _ in items)
    if not counts.keys() <= _ONCE | {"where"} or any(counts[name] > 1 for name in _ONCE):
        return None
    given = dict(items)
    path, limit, include = given.get("path"), given.get("limit", "50"), given.get("include")
    if path is None or len(path) > MAX_PATH or counts["where"] > MAX_FILTERS or include not in (None, "paths"):
        return None
    if not (len(limit) <= len(str(MAX_LIMIT)) and limit.isascii() and limit.isdigit()
            and 1 <= int(limit) <= MAX_LIMIT):
        return None
    return {"path": path, "where": [value for name, value in items if name == "where"], "include": include,
            "limit": int(limit), "cursor": given.get("cursor")}


class LeanTraversal(Route):
    def __init__(self) -> None:
        super().__init__(TRAVERSE, self._traverse, methods=["GET"])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)  # (Starlette's routes answer HEAD too; the documented one does not)
        if match is not Match.FULL or scope["method"] != "GET" or not scope["app"].state.migrations_ready.is_set():
            return Match.NONE, {}
        params = plain_traversal(scope.get("query_string", b""))
        if params is None:
            return Match.NONE, {}
        return Match.FULL, {**child, "route": self, "lean": params}

    @staticmethod
    async def _traverse(request: Request):
        workspace = await get_workspace(request, None)
        return await traverse_page(request, workspace, request.path_params["type"], request.path_params["id"],
                                   **request.scope["lean"])
