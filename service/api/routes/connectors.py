"""Connector routes: /v1/connectors... and /v1/secrets..."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from service.api.admission import admitted
from service.api.auth import Caller
from service.api.deps import CallerOf, Workspace
from service.api.errors import responses
from service.api.pagination import (
    Cursor,
    Limit,
    Page,
    decode_cursor,
    encode_cursor,
    page_by_name,
)
from service.api.shapes import SavedFields, run_json, saved_json, trial_json
from service.services.connector_runs import ConnectorRuns
from service.domain.connectors import ConnectorPatch, ConnectorSpec
from service.errors import InvalidInput
from service.store.connectors import ConnectorStore

router = APIRouter(tags=["connectors"])


def store(request: Request) -> ConnectorStore:
    return request.app.state.connectors


def runs(request: Request) -> ConnectorRuns:
    return request.app.state.connector_runs


class ConnectorPublic(SavedFields, ConnectorSpec):
    model_config = ConfigDict(extra="allow")


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str | None = None
    conversation_id: str | None = None
    inputs: dict[str, str] = Field(default_factory=dict)

    def subject(self) -> tuple[str, str] | None:
        if self.person_id and self.conversation_id:
            raise InvalidInput("give person_id or conversation_id, not both", code="invalid_subject")
        if self.person_id:
            return "Person", self.person_id
        if self.conversation_id:
            return "Conversation", self.conversation_id
        return None


class TestRequest(RunRequest):
    sample: Any = Field(None, description="a response body to map instead of calling the API")


class RunError(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    class_: str = Field(..., alias="class")
    message: str


class RunPublic(BaseModel):
    id: str
    connector_id: str
    status: str
    subject: dict[str, str] | None
    http_status: int | None
    fetched: int
    created: int
    updated: int
    unchanged: int
    linked: int
    error: RunError | None
    started_at: str | None
    finished_at: str | None


class TestResult(BaseModel):
    request: dict[str, Any] | None
    http_status: int | None
    excerpt: str | None
    records: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    error: RunError | None


class SecretValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(..., min_length=1, max_length=10_000)


class SecretName(BaseModel):
    name: str
    updated_at: str | None


SECRET_NAME = r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$"


@router.post("/connectors", status_code=201, response_model=ConnectorPublic, responses=responses(409, 422))
async def create_connector(request: Request, workspace: Workspace, body: ConnectorSpec):
    return saved_json(await store(request).create(workspace, body))


HIDDEN = "[hidden: admin tokens only]"


def shown_to(caller: Caller, connector: dict[str, Any]) -> dict[str, Any]:
    """A connector as this caller may see it: header values (often keys) to admins only."""
    if caller.scope == "admin":
        return connector
    request = connector["request"]
    return {**connector, "request": {**request, "headers": {k: HIDDEN for k in request.get("headers", {})}}}


@router.get("/connectors", response_model=Page[ConnectorPublic])
async def list_connectors(request: Request, caller: CallerOf, limit: Limit = 50, cursor: Cursor = None):
    found, more = await store(request).list(caller.workspace, limit=limit, after=decode_cursor(cursor))
    return Page(data=[shown_to(caller, saved_json(c)) for c in found],
                next_cursor=encode_cursor(found[-1].id) if more else None)


@router.get("/connectors/{connector_id}", response_model=ConnectorPublic, responses=responses(404))
async def get_connector(request: Request, caller: CallerOf, connector_id: str):
    return shown_to(caller, saved_json(await store(request).get(caller.workspace, connector_id)))


@router.patch("/connectors/{connector_id}", response_model=ConnectorPublic, responses=responses(404, 409, 422))
async def update_connector(request: Request, workspace: Workspace, connector_id: str, body: ConnectorPatch):
    return saved_json(await store(request).update(workspace, connector_id, body))


@router.delete("/connectors/{connector_id}", status_code=204, responses=responses(404))
async def delete_connector(request: Request, workspace: Workspace, connector_id: str):
    await store(request).delete(workspace, connector_id)
    return Response(status_code=204)


@router.post("/connectors/{connector_id}/test", response_model=TestResult, responses=responses(404, 422))
async def test_connector(request: Request, workspace: Workspace, connector_id: str, body: TestRequest):
    async with admitted(request, "connector"):
        return trial_json(await runs(request).test(workspace, connector_id, body.subject(), body.inputs,
                                                   body.sample))


@router.post("/connectors/{connector_id}/runs", status_code=201, response_model=RunPublic,
             responses=responses(404, 422))
async def run_connector(request: Request, workspace: Workspace, connector_id: str, body: RunRequest):
    async with admitted(request, "connector"):
        return run_json(await runs(request).run(workspace, connector_id, body.subject(), body.inputs))


@router.get("/connectors/{connector_id}/runs", response_model=Page[RunPublic], responses=responses(404))
async def list_runs(request: Request, workspace: Workspace, connector_id: str, limit: Limit = 50,
                    cursor: Cursor = None):
    found, more = await store(request).runs(workspace, connector_id, limit=limit, after=decode_cursor(cursor))
    return Page(data=[run_json(r) for r in found], next_cursor=encode_cursor(found[-1].id) if more else None)


@router.put("/secrets/{name}", response_model=SecretName,
            responses={**responses(422), 201: {"model": SecretName, "description": "a new secret"}})
async def put_secret(request: Request, response: Response, workspace: Workspace, body: SecretValue,
                     name: str = Path(..., pattern=SECRET_NAME)):
    created = await store(request).put_secret(workspace, name, body.value)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return SecretName(name=name, updated_at=None)


@router.get("/secrets", response_model=Page[SecretName])
async def list_secrets(request: Request, workspace: Workspace, limit: Limit = 100, cursor: Cursor = None):
    secrets = sorted(await store(request).list_secrets(workspace), key=lambda s: s["name"].lower())
    return page_by_name(secrets, limit, cursor, lambda s: s, name=lambda s: s["name"])


@router.delete("/secrets/{name}", status_code=204, responses=responses(404))
async def delete_secret(request: Request, workspace: Workspace, name: str):
    await store(request).delete_secret(workspace, name)
    return Response(status_code=204)
