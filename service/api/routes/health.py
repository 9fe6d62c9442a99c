"""GET /healthz: no auth; Neo4j's version and edition, and whether migrations are current."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from service.api.errors import ErrorResponse, error_response
from service.store import health

router = APIRouter(tags=["health"])


class Neo4jInfo(BaseModel):
    version: str
    edition: str


class MigrationInfo(BaseModel):
    current: bool
    applied: list[str]
    pending: list[str]


class DemoInfo(BaseModel):
    status: str = Field(description="`loading`, `loaded` or `failed` (`refgraph serve --demo-if-empty`)")
    objects: int | None = Field(None, description="objects written so far")
    total: int | None = Field(None, description="objects the demo dataset holds")
    error: str | None = None


class Health(BaseModel):
    status: str
    neo4j: Neo4jInfo
    migrations: MigrationInfo
    demo: DemoInfo | None = Field(None, description="present while `make run` loads the demo dataset, "
                                  "and after; the API is ready meanwhile")


@router.get("/livez")
async def livez():
    return {"status": "alive"}


@router.get(
    "/healthz",
    response_model=Health,
    response_model_exclude_none=True,
    responses={503: {"model": ErrorResponse, "description": "Neo4j unreachable or migrating"}},
)
async def healthz(request: Request):
    state = request.app.state
    try:
        info = await health.server_info(state.db)
        status = await state.migrator.status()
    except Exception as exc:  # any failure to reach the database is "unavailable" here
        return error_response(
            503, "database_unavailable", f"Neo4j is not reachable: {type(exc).__name__}",
            headers={"Retry-After": "2"},
        )
    body = Health(
        status="ok" if status.current else "migrating",
        neo4j=Neo4jInfo(**info),
        migrations=MigrationInfo(current=status.current, applied=status.applied,
                                 pending=status.pending),
        demo=getattr(state, "demo", None),
    )
    if not status.current:
        return error_response(
            503, "migrations_pending", "migrations are not yet applied",
            body.model_dump(), headers={"Retry-After": "2"},
        )
    return body
