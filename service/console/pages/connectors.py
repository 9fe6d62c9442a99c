"""The console's data connectors, in Intercom's order: the list, with the workspace's
secrets (names and times, never values); one form to create and edit a connector (name
and description; the request; the object mapping with a live test of the form as it
stands, saved or not, for a person or a conversation; the reference it updates); and a
connector's runs (start one, its record, the past ones with their errors)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request

from service.api.routes.connectors import SECRET_NAME
from service.console.kit import (
    lacks,
    not_found,
    posted,
    redirect,
    redirect_saying,
    session_of,
    page,
    to_sign_in,
)
from service.api.shapes import run_json, saved_json, trial_json
from service.console.words import plural
from service.console.connector_form import (
    BLANK,
    RUN_FORM,
    SUBJECTS,
    add_error,
    form_of,
    lines,
    parse,
    placed,
)
from service.domain.connectors import (
    ConnectorPatch,
    ConnectorSpec,
    check_connector,
)
from service.errors import Conflict, DomainError, InvalidInput, NotFound
from service.store.schema import load_types

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50


async def _ready(request: Request, workspace: str, form: dict[str, str]) -> tuple[ConnectorSpec | None, dict]:
    """The form as a spec that passes the checks a save makes, or the problems by field."""
    spec, errors = parse(form)
    if spec is not None:
        db = request.app.state.connectors.db
        types = await db.read(lambda tx: load_types(tx, db, workspace))  # keyed as check_connector looks them up
        for field, message in placed(check_connector(types, spec), form).items():
            add_error(errors, field, message)
    return (None, errors) if errors else (spec, {})


# ---- the list and the secrets ----------------------------------------------------------

async def _list_page(request: Request, session, *, after: str | None = None, form=None, errors=None,
                     status_code: int = 200):
    store, workspace = request.app.state.connectors, session.caller.workspace
    found, more = await store.list(workspace, limit=PAGE, after=after)
    return await page(request, "connectors.html", {
        "title": "Data connectors", "session": session, "connectors": [saved_json(c) for c in found],
        "next_cursor": found[-1].id if more else None, "form": form or {"secret_name": ""}, "errors": errors or {},
        "secrets": await store.list_secrets(workspace) if session.can_admin else None,  # names: admins only
        "set_secret": request.query_params.get("secret")}, status_code=status_code)


@router.get("/connectors")
async def connectors_page(request: Request, after: str | None = None):
    session = await session_of(request)
    return await _list_page(request, session, after=after) if session else to_sign_in()


@router.post("/secrets")
async def put_secret(request: Request):
    session, form, ended = await posted(request)
    if ended:
        return ended
    name, value = form.get("secret_name", "").strip(), form.get("secret_value", "")
    kept = {"secret_name": name}  # the value is never written back into a page
    if errors := lacks(session, "admin", "Setting secrets"):
        return await _list_page(request, session, form=kept, errors=errors, status_code=403)
    errors = {}
    if not re.fullmatch(SECRET_NAME, name):
        errors["secret_name"] = "A letter, then up to 99 letters, digits, '_', '.' or '-'."
    if not 1 <= len(value) <= 10_000:
        errors["secret_value"] = "Give the value (at most 10,000 characters); type it again after any error."
    if errors:
        return await _list_page(request, session, form=kept, errors=errors, status_code=422)
    await request.app.state.connectors.put_secret(session.caller.workspace, name, value)
    return redirect(f"/console/connectors?secret={name}#secrets")


@router.post("/secrets/delete")
async def delete_secret(request: Request):
    session, form, ended = await posted(request)
    if ended:
        return ended
    if errors := lacks(session, "admin", "Deleting secrets"):
        return await _list_page(request, session, errors=errors, status_code=403)
    try:
        await request.app.state.connectors.delete_secret(session.caller.workspace, form.get("secret_name", ""))
    except NotFound as exc:
        return await _list_page(request, session, errors={"form": exc.message}, status_code=404)
    return redirect_saying(request, "/console/connectors#secrets", f"Secret {form.get('secret_name', '')!r} deleted.")


# ---- one connector: the form, its test, its runs ----------------------------------------

async def _page(request: Request, session, connector_id: str | None, *, form=None, errors=None, trial=None,
                run_form=None, run_errors=None, status_code: int = 200):
    """The connector's page (NotFound for another workspace's id)."""
    state, workspace = request.app.state, session.caller.workspace
    saved = await state.connectors.get(workspace, connector_id) if connector_id else None
    runs = [run_json(r) for r in (await state.connectors.runs(workspace, connector_id, limit=PAGE, after=None))[0]
            ] if saved else []
    await _name_subjects(state, workspace, runs)
    types = await state.schema.list_types(workspace)
    labels = {t.name: t.label for t in types}
    holders = [(f"{t.name}.{a.name}", f"{t.label} › {a.label} (references many "
                f"{plural(labels.get(a.target, a.target))})") for t in types
               if t.name in SUBJECTS for a in t.attributes.values() if a.is_reference and a.cardinality == "many"]
    form = form or (form_of(saved.spec, session.can_admin) if saved else dict(BLANK))
    secrets = [s["name"] for s in await state.connectors.list_secrets(workspace)] if session.can_admin else []
    picked = request.query_params.get("run")
    return await page(request, "connector.html", {
        "title": saved.spec["name"] if saved else "New data connector", "session": session,
        "connector_id": connector_id, "form": form, "errors": errors or {}, "trial": trial,
        "types_options": [(t.name, t.label) for t in types],
        "holders": holders, "secrets": secrets, "subjects": SUBJECTS, "runs": runs,
        "run": next((r for r in runs if r["id"] == picked), None), "run_form": run_form or RUN_FORM,
        "run_errors": run_errors or {}}, status_code=status_code)


async def _name_subjects(state, workspace: str, runs: list[dict]) -> None:
    """Each run's subject with its external id: the id a person typed, shown for it."""
    ids: dict[str, set[str]] = {}
    for r in runs:
        if r["subject"]:
            ids.setdefault(r["subject"]["type"], set()).add(r["subject"]["id"])
    for type_name, wanted in ids.items():
        _, found = await state.objects.get(workspace, type_name, sorted(wanted))
        external = {o["id"]: o["external_id"] for o in found}
        for r in runs:
            if r["subject"] and r["subject"]["type"] == type_name:
                r["subject"]["external_id"] = external.get(r["subject"]["id"])


@router.get("/connectors/{connector_id}")
@router.get("/connectors/new")  # registered first (decorators apply bottom-up): "new" is no id
async def connector_page(request: Request, connector_id: str | None = None):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    try:
        return await _page(request, session, connector_id)
    except NotFound as exc:
        return await not_found(request, exc)


async def _subject(request: Request, workspace: str, on: str, given: str) -> tuple[str, str] | None:
    """The person or conversation named by its id or its external id."""
    if not given.strip() or on not in SUBJECTS:
        return None
    found, _ = await request.app.state.objects.list(workspace, on, limit=1, after=None, external_id=given.strip())
    return on, found[0]["id"] if found else given.strip()


def _subject_errors(exc: DomainError, spec: ConnectorSpec, prefix: str) -> dict[str, str]:
    """Why a test or a run could not start, beside the subject's (or the inputs') field."""
    on = spec.update_reference.on if spec.update_reference else ""
    words = {"missing_subject": f"Give a {on}'s id or external id: this connector updates a {on}'s reference.",
             "wrong_subject": f"This connector runs for a {on}: choose {on}."}
    return {f"{prefix}_inputs" if exc.code == "invalid_inputs" else f"{prefix}_id": words.get(exc.code, exc.message)}


async def _test(request: Request, session, connector_id: str | None, form: dict[str, str]):
    """The form's connector tested (called, mapped, nothing written), saved or not."""
    workspace = session.caller.workspace
    spec, errors = await _ready(request, workspace, form)
    inputs = lines(form.get("test_inputs", ""), "=", "test_inputs", errors)
    if spec is None or errors:
        return await _page(request, session, connector_id, form=form, errors=errors, status_code=422)
    try:
        subject = await _subject(request, workspace, form.get("test_on", ""), form.get("test_id", ""))
        trial = await request.app.state.connector_runs.test(workspace, connector_id or "unsaved", subject, inputs,
                                                            unsaved=spec)
    except DomainError as exc:
        return await _page(request, session, connector_id, form=form, errors=_subject_errors(exc, spec, "test"),
                           status_code=422)
    return await _page(request, session, connector_id, form=form, trial=trial_json(trial))


async def _save_or_test(request: Request, connector_id: str | None):
    session, form, ended = await posted(request)
    if ended:
        return ended
    form = {**BLANK, **form}
    testing = form.pop("action", "save") == "test"
    if errors := lacks(session, "admin", "Testing connectors" if testing else "Saving connectors"):
        return await _page(request, session, connector_id, form=form, errors=errors, status_code=403)
    if connector_id:
        await request.app.state.connectors.get(session.caller.workspace, connector_id)  # NotFound: 404
    if testing:
        return await _test(request, session, connector_id, form)
    spec, errors = await _ready(request, session.caller.workspace, form)
    store, workspace = request.app.state.connectors, session.caller.workspace
    try:
        if spec is not None:
            saved = (await store.update(workspace, connector_id, ConnectorPatch.model_validate(spec.model_dump()))
                     if connector_id else await store.create(workspace, spec))
    except InvalidInput as exc:  # the schema changed since the check
        errors = placed((exc.details or {}).get("problems") or [exc.message], form)
    except Conflict as exc:
        errors = {"name": exc.message}
    if errors:
        return await _page(request, session, connector_id, form=form, errors=errors, status_code=422)
    return redirect_saying(request, f"/console/connectors/{saved.id}", f"Data connector {spec.name!r} saved.")


@router.post("/connectors")
@router.post("/connectors/{connector_id}")
async def save_or_test(request: Request, connector_id: str | None = None):
    try:
        return await _save_or_test(request, connector_id)
    except NotFound as exc:
        return await not_found(request, exc)


@router.post("/connectors/{connector_id}/runs")
async def start_run(request: Request, connector_id: str):
    """A run for a person or a conversation; then the page shows its record."""
    session, form, ended = await posted(request)
    if ended:
        return ended
    shown, workspace, errors = {**RUN_FORM, **form}, session.caller.workspace, {}
    try:
        saved = await request.app.state.connectors.get(workspace, connector_id)  # another workspace's: 404
        errors = lacks(session, "write", "Starting runs") or {}
        inputs = lines(shown["run_inputs"], "=", "run_inputs", errors) if not errors else {}
        if not errors:
            subject = await _subject(request, workspace, shown["run_on"], shown["run_id"])
            record = await request.app.state.connector_runs.run(workspace, connector_id, subject, inputs)
    except DomainError as exc:  # an unknown subject, a wrong one, unknown inputs
        if exc.code == "unknown_connector":
            return await not_found(request, exc)
        errors = _subject_errors(exc, saved.spec_as(ConnectorSpec), "run")
    if errors:
        return await _page(request, session, connector_id, run_form=shown, run_errors=errors,
                           status_code=403 if "form" in errors else 422)
    return redirect(f"/console/connectors/{connector_id}?run={record.id}#run-record")
