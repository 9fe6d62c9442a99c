"""Dependencies the routes declare: the database and the caller's workspace. They are
``async def`` although they never wait: FastAPI runs a plain ``def`` dependency in a
worker thread, a hop that costs more than the dependency itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.auth import Caller
from service.api.paths import route_template
from service.domain.tokens import allows, needed_scope
from service.errors import Forbidden, Unauthorized, Unavailable

_bearer = HTTPBearer(auto_error=False, description="A refgraph token (REFGRAPH_TOKENS)")


async def require_ready(request: Request) -> None:
    """Every /v1 route waits for Neo4j and its migrations: 503 until then."""
    if not request.app.state.migrations_ready.is_set():
        raise Unavailable(
            "the service is waiting for Neo4j and its migrations; try again shortly",
            code="database_unavailable",
        )


async def get_workspace(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],  # for the API document
) -> str:
    """The caller's workspace (authenticated by ``service.api.auth`` before the request
    got here), after checking that the token's scope allows the matched route: the
    route as declared, so no prefix in front of it changes the answer. Static tokens
    (settings) have every scope; tokens made by ``refgraph token create`` have theirs.
    Another workspace's objects are simply not found (404), never 403."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    needed = needed_scope(request.method, route_template(request.scope))
    if not allows(caller.scope, needed):
        raise Forbidden(f"this token's scope is {caller.scope}; {request.method} here needs {needed}",
                        details={"scope": caller.scope, "needed": needed})
    return caller.workspace


Workspace = Annotated[str, Depends(get_workspace)]


async def get_caller(request: Request, workspace: Workspace) -> Caller:
    """The caller whose scope allows this route (for routes that show more to admins)."""
    return request.state.caller


CallerOf = Annotated[Caller, Depends(get_caller)]
