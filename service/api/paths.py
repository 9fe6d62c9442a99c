"""Where a request goes, as the app routes it: its path without the root path a proxy or
``--root-path`` adds, the matched route's template, and whether it is an API area."""

from __future__ import annotations

from starlette.types import Scope

AREAS = ("/v1/", "/intercom/")


def route_path(scope: Scope) -> str:
    """The path the app routes on: without the root path a proxy or --root-path adds."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def route_template(scope: Scope) -> str:
    """The matched route as written (``/v1/objects/{type}``), not the concrete path.
    Routes of included routers know only their own part; the prefix is the routed
    path's leading segments (the root path left out)."""
    template = getattr(scope.get("route"), "path", None)
    if not template:
        return "unmatched"
    path = route_path(scope).split("/")
    own = template.split("/")
    return "/".join(path[: len(path) - len(own) + 1]) + template


def in_areas(scope: Scope) -> bool:
    return scope["type"] == "http" and route_path(scope).startswith(AREAS)


def in_console(scope: Scope) -> bool:
    return scope["type"] == "http" and route_path(scope).startswith("/console")
