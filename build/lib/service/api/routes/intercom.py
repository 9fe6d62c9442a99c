"""The Intercom-compatible surface for custom object instances, under /intercom: a
client of Intercom's REST API can point its base URL here (with a refgraph token).

Shapes follow Intercom's published API 2.15 for custom object instances: Unix timestamps,
``type`` = the type's identifier, ``custom_attributes`` = the attribute values;
``{id}`` accepts the id or the external id. Errors keep refgraph's one error shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import Workspace
from service.api.errors import responses
from service.domain.records import ObjectWrite
from service.errors import NotFound
from service.store.objects import ObjectStore

router = APIRouter(prefix="/custom_object_instances", tags=["intercom"])


class IntercomInstanceWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_id: str = Field(min_length=1, max_length=255)
    external_created_at: int | None = None
    external_updated_at: int | None = None
    custom_attributes: dict[str, Any] = Field(default_factory=dict)


class IntercomInstance(BaseModel):
    id: str
    type: str
    custom_attributes: dict[str, Any]
    external_id: str | None
    external_created_at: int | None
    external_updated_at: int | None
    created_at: int
    updated_at: int


class IntercomDeleted(BaseModel):
    id: str
    object: str
    deleted: bool = True


def _unix(iso: str | None) -> int | None:
    if iso is None:
        return None
    return int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def _intercom(obj: dict[str, Any]) -> IntercomInstance:
    return IntercomInstance(
        id=obj["id"], type=obj["type"], custom_attributes=obj["attributes"],
        external_id=obj["external_id"],
        external_created_at=_unix(obj["external_created_at"]),
        external_updated_at=_unix(obj["external_updated_at"]),
        created_at=_unix(obj["created_at"]), updated_at=_unix(obj["updated_at"]),
    )


def _store(request: Request) -> ObjectStore:
    return request.app.state.objects


async def _find(request: Request, workspace: str, type: str, key: str) -> dict[str, Any]:
    """By id, else by external id, as Intercom's GET /{type}/{id} does."""
    store = _store(request)
    type_def, found = await store.get(workspace, type, [key])
    if not found:
        found, _ = await store.list(workspace, type_def.name, limit=1, after=None, external_id=key)
    if not found:
        raise NotFound(f"no {type_def.name} with id or external_id {key!r}", code="object_not_found")
    return found[0]


async def _by_external_id(request: Request, workspace: str, type: str,
                          external_id: str) -> dict[str, Any]:
    found, _ = await _store(request).list(workspace, type, limit=1, after=None,
                                          external_id=external_id)
    if not found:
        raise NotFound(f"no {type} with external_id {external_id!r}", code="object_not_found")
    return found[0]


@router.post("/{type}", response_model=IntercomInstance, responses=responses(404))
async def create_or_update(request: Request, workspace: Workspace, type: str,
                           body: IntercomInstanceWrite):
    store = _store(request)
    record = ObjectWrite(external_id=body.external_id,
                         external_created_at=body.external_created_at,
                         external_updated_at=body.external_updated_at,
                         attributes=body.custom_attributes)
    type_def, result = await store.write(workspace, type, [record])
    return _intercom((await store.get(workspace, type_def.name, result.ids))[1][0])


@router.get("/{type}", response_model=IntercomInstance, responses=responses(404))
async def get_by_external_id(request: Request, workspace: Workspace, type: str,
                             external_id: str = Query(...)):
    return _intercom(await _by_external_id(request, workspace, type, external_id))


@router.get("/{type}/{id}", response_model=IntercomInstance, responses=responses(404))
async def get_by_id(request: Request, workspace: Workspace, type: str, id: str):
    return _intercom(await _find(request, workspace, type, id))


@router.delete("/{type}", response_model=IntercomDeleted, responses=responses(404, 409))
async def delete_by_external_id(request: Request, workspace: Workspace, type: str,
                                external_id: str = Query(...)):
    obj = await _by_external_id(request, workspace, type, external_id)
    await _store(request).delete(workspace, type, obj["id"])
    return IntercomDeleted(id=obj["id"], object=obj["type"])


@router.delete("/{type}/{id}", response_model=IntercomDeleted, responses=responses(404, 409))
async def delete_by_id(request: Request, workspace: Workspace, type: str, id: str):
    obj = await _find(request, workspace, type, id)
    await _store(request).delete(workspace, type, obj["id"])
    return IntercomDeleted(id=obj["id"], object=obj["type"])
