"""Strict query parameters: a parameter a route does not take is ``422 unknown_parameter``
naming it, with the ones the route takes (and a "did you mean" when one is close), so a
misspelt filter (``?externalid=``, ``?limt=``) never silently does nothing.

A route whose parameters are open-ended says so with ``open_query``: the report runner
(each report checks its own parameters) and the object list (``references.<attribute>=``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from service.domain.suggest import did_you_mean, suggested
from service.errors import InvalidInput

_OPEN = "_refgraph_open_query"
_declared: dict[int, frozenset[str]] = {}


def open_query(prefix: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks an endpoint that also takes parameters starting with ``prefix`` (every
    parameter when it is empty) beyond those it declares."""
    def mark(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        setattr(endpoint, _OPEN, prefix)
        return endpoint
    return mark


def _query_names(dependant) -> frozenset[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


async def strict_query(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    declared = _declared.get(id(route))
    if declared is None:
        declared = _declared[id(route)] = _query_names(dependant)
    prefix = getattr(route.endpoint, _OPEN, None)
    unknown = [name for name in dict.fromkeys(request.query_params.keys())
               if name not in declared and (prefix is None or not name.startswith(prefix))]
    if not unknown:
        return
    takes = sorted(declared) + ([f"{prefix}<...>"] if prefix else [])
    raise InvalidInput(
        f"unknown query parameter {unknown[0]!r}{did_you_mean(unknown[0], takes)} (this route takes "
        f"{', '.join(takes) if takes else 'no query parameters'})",
        code="unknown_parameter", details={"unknown": unknown, "allowed": takes, **suggested(unknown[0], takes)})
