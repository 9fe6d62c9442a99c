"""/v1/prunes: what confirmed cardinality changes deleted, and bringing it back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from service.api.deps import Workspace
from service.api.errors import responses
from service.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from service.api.routes.types import Association
from service.api.shapes import prune_json
from service.store.prunes import PruneStore

router = APIRouter(tags=["schema"])


def store(request: Request) -> PruneStore:
    return request.app.state.prunes


class PrunePublic(BaseModel):
    id: str
    type: str
    attribute: str
    applied_at: str
    deleted: int
    restored_at: str | None = None
    restored: int | None = None


class PruneWithPairs(PrunePublic):
    associations: list[Association]


class Skipped(Association):
    reason: str


class Restored(BaseModel):
    restored: int
    skipped: list[Skipped]


@router.get("/prunes", response_model=Page[PrunePublic])
async def list_prunes(request: Request, workspace: Workspace, limit: Limit = 50, cursor: Cursor = None):
    found, more = await store(request).list(workspace, limit=limit, after=decode_cursor(cursor))
    return Page(data=[prune_json(p) for p in found], next_cursor=encode_cursor(found[-1]["id"]) if more else None)


@router.get("/prunes/{prune_id}", response_model=PruneWithPairs, responses=responses(404))
async def get_prune(request: Request, workspace: Workspace, prune_id: str) -> Any:
    return prune_json(await store(request).get(workspace, prune_id))


@router.post("/prunes/{prune_id}/restore", response_model=Restored, responses=responses(404, 409))
async def restore_prune(request: Request, workspace: Workspace, prune_id: str) -> Any:
    return await store(request).restore(workspace, prune_id)
