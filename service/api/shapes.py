"""Domain values as the API's JSON: connectors and selector steps, runs, buttons, prunes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict

from service.domain.connector_calls import RunRecord, TrialResult
from service.domain.saved import Saved
from service.domain.selectors import Buttons
from service.domain.values import to_json


class SavedFields(BaseModel):
    """What a stored connector or selector step adds to its spec."""
    model_config = ConfigDict(extra="allow")
    id: str
    created_at: str
    updated_at: str


def saved_json(saved: Saved) -> dict[str, Any]:
    """A connector or a selector step: its spec with its id and times."""
    return {**saved.spec, "id": saved.id,
            "created_at": to_json(saved.created_at), "updated_at": to_json(saved.updated_at)}


def run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id, "connector_id": run.connector_id, "status": run.status,
        "subject": {"type": run.subject[0], "id": run.subject[1]} if run.subject else None,
        "http_status": run.http_status, **run.counts,
        "error": {"class": run.error_class, "message": run.error_message} if run.error_class else None,
        "started_at": to_json(run.started_at), "finished_at": to_json(run.finished_at),
    }


def trial_json(trial: TrialResult) -> dict[str, Any]:
    return asdict(trial)


def buttons_json(buttons: Buttons) -> dict[str, Any]:
    return {"data": [{"id": o["id"], "label": label, "object": o} for o, label in buttons.options],
            "reason": buttons.reason, "connector_run": run_json(buttons.run) if buttons.run else None}


def prune_json(prune: dict[str, Any]) -> dict[str, Any]:
    """A prune's record (with its associations when it has them)."""
    shown = {"id": prune["id"], "type": prune["type"], "attribute": prune["attribute"],
             "applied_at": to_json(prune["applied_at"]), "deleted": prune["deleted"],
             "restored_at": to_json(prune.get("restored_at")), "restored": prune.get("restored")}
    if isinstance(prune.get("associations"), list):
        shown["associations"] = prune["associations"]
    return shown
