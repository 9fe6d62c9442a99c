"""Domain values as the API's JSON: connectors and selector steps, runs, buttons."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from service.domain.connector_calls import RunRecord, TrialResult
from service.domain.connectors import Saved
from service.domain.selectors import Buttons
from service.domain.values import to_json


def saved_json(saved: Saved) -> dict[str, Any]:
    """A connector or a selector step: its spec with its id and times."""
    return {"id": saved.id, **saved.spec.model_dump(mode="json"),
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
