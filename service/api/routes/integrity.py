"""GET /v1/integrity: violations made around the service, for example in Neo4j Browser."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from service.api.admission import admitted
from service.api.client_gone import until_disconnected
from service.api.deps import Workspace
from service.store import integrity

router = APIRouter(tags=["integrity"])


class IntegrityReport(BaseModel):
    ok: bool
    checked: list[str]
    violations: list[dict[str, Any]]


@router.get("/integrity", response_model=IntegrityReport)
async def check_integrity(request: Request, workspace: Workspace):
    state = request.app.state
    async with admitted(request, "integrity"):
        return await until_disconnected(request, integrity.scan(state.db, state.schema, workspace,
                                                                timeout_s=state.report_timeout_s))
