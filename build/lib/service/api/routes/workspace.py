"""GET /v1/workspace: the workspace the caller's token belongs to."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from service.api.deps import Workspace

router = APIRouter(tags=["workspace"])


class WorkspacePublic(BaseModel):
    id: str


@router.get("/workspace", response_model=WorkspacePublic)
async def current_workspace(workspace: Workspace) -> WorkspacePublic:
    return WorkspacePublic(id=workspace)
