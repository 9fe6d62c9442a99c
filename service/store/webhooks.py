"""Webhook endpoints in the graph: their definitions (the signing secret encrypted at
rest), the leases that let one process at a time deliver to an endpoint, where each one
is in the feed, and the record of every delivery attempt."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet

from service.domain.events import Position
from service.domain.records import new_id
from service.domain.webhooks import MAX_WEBHOOKS, WebhookCreate, new_secret
from service.errors import InvalidInput, NotFound
from service.store import events
from service.store.database import Database

USES = ["webhooks/create", "webhooks/get", "webhooks/list", "webhooks/update", "webhooks/delete",
        "webhooks/claim", "webhooks/settle", "webhooks/record_delivery", "webhooks/list_deliveries",
        "webhooks/purge_deliveries"]
PURGE_BATCH = 1_000


def _unknown(webhook_id: str) -> NotFound:
    return NotFound(f"no webhook with id {webhook_id!r}", code="unknown_webhook")


class WebhookStore:
    def __init__(self, db: Database, *, secrets_key: str):
        self.db = db
        self.fernet = Fernet(secrets_key.encode())

    def secret_of(self, webhook: dict[str, Any]) -> str:
        return self.fernet.decrypt(webhook["secret"].encode()).decode()

    async def create(self, workspace: str, spec: WebhookCreate) -> tuple[dict[str, Any], str]:
        """The endpoint and its signing secret (shown to the caller once)."""
        secret = new_secret()
        props = {"workspace": workspace, "id": new_id(), "url": spec.url, "events": spec.events,
                 "description": spec.description, "secret": self.fernet.encrypt(secret.encode()).decode()}
        rows = await self.db.write_query("webhooks/create", props=props, max=MAX_WEBHOOKS)
        if not rows:
            raise InvalidInput(f"the workspace has {MAX_WEBHOOKS} webhooks, as many as allowed; delete one first",
                               code="quota_exceeded", details={"limit": "webhooks", "value": MAX_WEBHOOKS})
        return rows[0]["webhook"], secret

    async def get(self, workspace: str, webhook_id: str) -> dict[str, Any]:
        rows = await self.db.read_query("webhooks/get", workspace=workspace, id=webhook_id)
        if not rows:
            raise _unknown(webhook_id)
        return rows[0]["webhook"]

    async def list(self, workspace: str, *, limit: int, after: str | None) -> tuple[list[dict[str, Any]], bool]:
        return await self.db.read_page("webhooks/list", "webhook", workspace=workspace, after=after, limit=limit)

    async def update(self, workspace: str, webhook_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        rows = await self.db.write_query("webhooks/update", workspace=workspace, id=webhook_id, changes=changes)
        if not rows:
            raise _unknown(webhook_id)
        return rows[0]["webhook"]

    async def rotate_secret(self, workspace: str, webhook_id: str) -> tuple[dict[str, Any], str]:
        secret = new_secret()
        webhook = await self.update(workspace, webhook_id, {"secret": self.fernet.encrypt(secret.encode()).decode()})
        return webhook, secret

    async def replay(self, workspace: str, webhook_id: str, after: Position) -> dict[str, Any]:
        """Deliver again from ``after`` on (the endpoint's position moves back, or forward)."""
        if after > await events.end(self.db, workspace):
            raise InvalidInput("after: past the end of the feed; a position comes from next_cursor",
                               code="invalid_cursor")
        return await self.update(workspace, webhook_id, {"position_seq": after.seq, "position_index": after.index,
                                                         "failures": 0, "first_failure_at": None})

    async def delete(self, workspace: str, webhook_id: str) -> None:
        rows = await self.db.write_query("webhooks/delete", workspace=workspace, id=webhook_id)
        if not rows[0]["deleted"]:
            raise _unknown(webhook_id)

    # ---- delivering ------------------------------------------------------------------

    async def claim(self, owner: str, *, limit: int, lease_s: float) -> list[dict[str, Any]]:
        return [r["webhook"] for r in await self.db.write_query("webhooks/claim", owner=owner, limit=limit,
                                                                lease_s=lease_s)]

    async def settle(self, webhook: dict[str, Any], owner: str, position: Position, *, failures: int,
                     retry_in_s: float, release: bool, lease_s: float, disable_after_s: float,
                     reason: str | None = None) -> bool | None:
        """Record where the endpoint is and when to try next; whether it is still enabled
        (None: the lease ran out, or the endpoint was edited or deleted since it was claimed)."""
        rows = await self.db.write_query(
            "webhooks/settle", workspace=webhook["workspace"], id=webhook["id"], owner=owner,
            position_seq=position.seq, position_index=position.index, failures=failures, retry_in_s=retry_in_s,
            release=release, lease_s=lease_s, generation=webhook.get("generation") or 0,
            disable_after_s=int(disable_after_s), reason=reason)
        return bool(rows[0]["enabled"]) if rows else None

    async def record_delivery(self, webhook: dict[str, Any], attempt: dict[str, Any]) -> None:
        await self.db.write_query("webhooks/record_delivery", props={
            "workspace": webhook["workspace"], "webhook_id": webhook["id"], "id": new_id(), **attempt})

    async def deliveries(self, workspace: str, webhook_id: str, *, limit: int,
                         after: str | None) -> tuple[list[dict[str, Any]], bool]:
        await self.get(workspace, webhook_id)
        return await self.db.read_page("webhooks/list_deliveries", "delivery", workspace=workspace,
                                       webhook=webhook_id, after=after, limit=limit)

    async def purge_deliveries(self, *, days: float) -> int:
        purged = 0
        while True:
            rows = await self.db.write_query("webhooks/purge_deliveries", days=days, limit=PURGE_BATCH)
            purged += rows[0]["purged"]
            if rows[0]["purged"] < PURGE_BATCH:
                return purged
