"""Selector step routes: /v1/selectors... and /v1/conversations/{id}/selectors/..."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from service.api.admission import admitted
from service.api.deps import Workspace
from service.api.errors import responses
from service.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from service.api.routes.connectors import RunPublic
from service.api.routes.objects import ObjectPublic
from service.api.shapes import SavedFields, buttons_json, saved_json
from service.domain.selectors import SelectorSpec
from service.services.selector_buttons import SelectorButtons
from service.store.selectors import SelectorStore

router = APIRouter(tags=["selectors"])


def store(request: Request) -> SelectorStore:
    return request.app.state.selectors


class SelectorPublic(SavedFields, SelectorSpec):
    model_config = ConfigDict(extra="allow")


class Button(BaseModel):
    id: str
    label: str
    object: ObjectPublic


class Buttons(BaseModel):
    data: list[Button]
    reason: str | None
    connector_run: RunPublic | None


class Selection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object_id: str


@router.post("/selectors", status_code=201, response_model=SelectorPublic, responses=responses(404, 409, 422))
async def create_selector(request: Request, workspace: Workspace, body: SelectorSpec):
    return saved_json(await store(request).create(workspace, body))


@router.get("/selectors", response_model=Page[SelectorPublic])
async def list_selectors(request: Request, workspace: Workspace, limit: Limit = 50, cursor: Cursor = None):
    found, more = await store(request).list(workspace, limit=limit, after=decode_cursor(cursor))
    return Page(data=[saved_json(s) for s in found], next_cursor=encode_cursor(found[-1].id) if more else None)


@router.get("/selectors/{selector_id}", response_model=SelectorPublic, responses=responses(404))
async def get_selector(request: Request, workspace: Workspace, selector_id: str):
    return saved_json(await store(request).get(workspace, selector_id))


@router.delete("/selectors/{selector_id}", status_code=204, responses=responses(404))
async def delete_selector(request: Request, workspace: Workspace, selector_id: str):
    await store(request).delete(workspace, selector_id)
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/selectors/{selector_id}/buttons", response_model=Buttons,
             responses=responses(404))
async def buttons(request: Request, workspace: Workspace, conversation_id: str, selector_id: str):
    selector_buttons: SelectorButtons = request.app.state.selector_buttons
    async with admitted(request, "connector"):
        return buttons_json(await selector_buttons.buttons(workspace, conversation_id, selector_id))


@router.post("/conversations/{conversation_id}/selectors/{selector_id}/select", response_model=ObjectPublic,
             responses=responses(404, 422))
async def select(request: Request, workspace: Workspace, conversation_id: str, selector_id: str,
                 body: Selection) -> Any:
    return await store(request).select(workspace, conversation_id, selector_id, body.object_id)
