"""/v1/webhooks: endpoints that receive the change feed, signed (Standard Webhooks)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from service.api.deps import Workspace
from service.api.errors import responses
from service.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from service.api.secret_answers import shows_secret
from service.domain.events import Position
from service.domain.values import to_json
from service.domain.webhooks import WebhookCreate, WebhookPatch
from service.metrics import forget_webhook
from service.store.webhooks import WebhookStore

router = APIRouter(tags=["webhooks"])


def store(request: Request) -> WebhookStore:
    return request.app.state.webhooks


class WebhookPublic(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None = None
    position: str
    failures: int
    next_attempt_at: str | None = None
    created_at: str
    updated_at: str


class WebhookWithSecret(WebhookPublic):
    secret: str


class DeliveryPublic(BaseModel):
    id: str
    delivery_id: str
    events: int
    status: str
    http_status: int | None = None
    latency_ms: float
    error: str | None = None
    attempt: int
    at: str


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after: str


def public(webhook: dict[str, Any]) -> dict[str, Any]:
    return {"id": webhook["id"], "url": webhook["url"], "events": webhook["events"],
            "description": webhook.get("description") or "", "enabled": webhook["enabled"],
            "disabled_reason": webhook.get("disabled_reason"),
            "position": Position(webhook["position_seq"], webhook["position_index"]).text(),
            "failures": webhook.get("failures") or 0, "next_attempt_at": to_json(webhook.get("next_attempt_at")),
            "created_at": to_json(webhook["created_at"]), "updated_at": to_json(webhook["updated_at"])}


@router.post("/webhooks", status_code=201, response_model=WebhookWithSecret, responses=responses(422))
@shows_secret("secret")
async def create_webhook(request: Request, workspace: Workspace, body: WebhookCreate):
    await request.app.state.deliverer.check_url(body.url)
    webhook, secret = await store(request).create(workspace, body)
    return {**public(webhook), "secret": secret}


@router.get("/webhooks", response_model=Page[WebhookPublic])
async def list_webhooks(request: Request, workspace: Workspace, limit: Limit = 50, cursor: Cursor = None):
    found, more = await store(request).list(workspace, limit=limit, after=decode_cursor(cursor))
    return Page(data=[public(w) for w in found], next_cursor=encode_cursor(found[-1]["id"]) if more else None)


@router.get("/webhooks/{webhook_id}", response_model=WebhookPublic, responses=responses(404))
async def get_webhook(request: Request, workspace: Workspace, webhook_id: str):
    return public(await store(request).get(workspace, webhook_id))


@router.patch("/webhooks/{webhook_id}", response_model=WebhookPublic, responses=responses(404, 422))
async def update_webhook(request: Request, workspace: Workspace, webhook_id: str, body: WebhookPatch):
    if body.url is not None:
        await request.app.state.deliverer.check_url(body.url)
    return public(await store(request).update(workspace, webhook_id, body.model_dump(exclude_none=True)))


@router.delete("/webhooks/{webhook_id}", status_code=204, responses=responses(404))
async def delete_webhook(request: Request, workspace: Workspace, webhook_id: str):
    await store(request).delete(workspace, webhook_id)
    forget_webhook(webhook_id)  # its lag no longer counts
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/rotate_secret", response_model=WebhookWithSecret, responses=responses(404))
@shows_secret("secret")
async def rotate_webhook_secret(request: Request, workspace: Workspace, webhook_id: str):
    webhook, secret = await store(request).rotate_secret(workspace, webhook_id)
    return {**public(webhook), "secret": secret}


@router.get("/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryPublic], responses=responses(404))
async def list_deliveries(request: Request, workspace: Workspace, webhook_id: str, limit: Limit = 50,
                          cursor: Cursor = None):
    found, more = await store(request).deliveries(workspace, webhook_id, limit=limit, after=decode_cursor(cursor))
    return Page(data=found, next_cursor=encode_cursor(found[-1]["id"]) if more else None)


@router.post("/webhooks/{webhook_id}/replay", response_model=WebhookPublic, responses=responses(404, 422))
async def replay_webhook(request: Request, workspace: Workspace, webhook_id: str, body: Replay):
    return public(await store(request).replay(workspace, webhook_id, Position.parse(body.after)))
