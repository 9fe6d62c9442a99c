"""Dependencies the routes declare: the database and the caller's workspace. They are
``async def`` although they never wait: FastAPI runs a plain ``def`` dependency in a
worker thread, a hop that costs more than the dependency itself."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.domain.tokens import allows, needed_scope
from service.errors import Forbidden, Unauthorized, Unavailable
from service.store.database import Database

_bearer = HTTPBearer(auto_error=False, description="A refgraph token (REFGRAPH_TOKENS)")


async def require_ready(request: Request) -> None:
    """Every /v1 route waits for Neo4j and its migrations: 503 until then."""
    if not request.app.state.migrations_ready.is_set():
        raise Unavailable(
            "the service is waiting for Neo4j and its migrations; try again shortly",
            code="database_unavailable",
        )


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_workspace(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's workspace, after checking that the token's scope allows this route.
    Static tokens (settings) have every scope; tokens made by ``refgraph token create``
    have theirs. Another workspace's objects are simply not found (404), never 403."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    presented = credentials.credentials.encode()
    found = None
    for token, ws in request.app.state.tokens.items():
        if hmac.compare_digest(presented, token.encode()):
            found = (ws, "admin")
    if found is None:
        found = await request.app.state.token_store.find(credentials.credentials)
    if found is None:
        raise Unauthorized("the bearer token is not valid")
    workspace, scope = found
    needed = needed_scope(request.method, request.url.path)
    if not allows(scope, needed):
        raise Forbidden(f"this token's scope is {scope}; {request.method} here needs {needed}",
                        details={"scope": scope, "needed": needed})
    return workspace


DB = Annotated[Database, Depends(get_db)]
Workspace = Annotated[str, Depends(get_workspace)]
