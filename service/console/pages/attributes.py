"""The console's attribute editor: everything but the name and data type can change. A
change that would delete associations (a reference going to one) or change held values
(options removed) shows its dry run first: how many, a sample, who uses the reference,
and the rule for what survives; the admin applies exactly that plan or cancels, then sees
what was deleted and can restore it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from service.console.kit import (
    labels_of,
    describe,
    in_words,
    lacks,
    not_found,
    posted,
    redirect_saying,
    session_of,
    page,
    to_sign_in,
)
from service.console.pages.types import parse_options
from service.api.shapes import prune_json
from service.console.session import Session
from service.domain.schema import AttributeDef, AttributeUpdate
from service.errors import DomainError
from service.store.attribute_changes import AttributeEditor

router = APIRouter(prefix="/console", include_in_schema=False)
SAMPLE = 20
FLAGS = ("required", "unique", "indexed", "many", "inverse_many")


def form_of(a: AttributeDef) -> dict:
    """The edit form as the attribute stands."""
    return {"label": a.label, "description": a.description, "required": a.required, "unique": a.unique,
            "indexed": a.indexed, "many": a.cardinality == "many", "inverse_many": a.inverse_cardinality == "many",
            "options": "\n".join(v if v == label else f"{v} = {label}" for v, label in a.options)}


def changes_of(a: AttributeDef, form: dict) -> dict:
    """What the posted form changes, as an update (only what differs, so editing a label
    never asks to confirm anything)."""
    now, changes = form_of(a), {}
    for key in ("label", "description"):
        if form[key].strip() != now[key]:
            changes[key] = form[key].strip()
    for key in ("required", "unique", "indexed"):
        if form[key] != now[key] and not (a.is_reference and key != "required"):
            changes[key] = form[key]
    if a.options and form["options"].strip() != now["options"]:
        changes["options"] = parse_options(form["options"])
    if a.is_reference and a.direction == "out":
        reference = {}
        if form["many"] != now["many"]:
            reference["cardinality"] = "many" if form["many"] else "one"
        if a.inverse_name and form["inverse_many"] != now["inverse_many"]:
            reference["inverse"] = {"cardinality": "many" if form["inverse_many"] else "one"}
        if reference:
            changes["reference"] = reference
    return changes


async def _found(request: Request, session: Session, name: str, attribute: str):
    owner = await request.app.state.schema.get_type(session.caller.workspace, name)
    found = owner.find_case_insensitive(attribute)
    if found is None:
        raise DomainError(f"{owner.name} has no attribute named {attribute!r}")
    return owner, found


async def _edit_page(request: Request, session: Session, name: str, attribute: str, *, form=None, errors=None,
                     status_code: int = 200):
    try:
        owner, found = await _found(request, session, name, attribute)
    except DomainError as exc:
        return await not_found(request, exc)
    prunes, _ = await request.app.state.prunes.list(session.caller.workspace, limit=100, after=None,
                                                    of=(owner.name, found.name))
    return await page(request, "attribute.html", {
        "title": f"{owner.label}: {found.label}", "session": session, "type": owner, "attribute": found,
        "form": form or form_of(found), "errors": errors or {},
        "prunes": [prune_json(p) for p in prunes]},
        status_code=status_code)


@router.get("/types/{name}/attributes/{attribute}")
async def attribute_page(request: Request, name: str, attribute: str):
    session = await session_of(request)
    return await _edit_page(request, session, name, attribute) if session else to_sign_in()


@router.post("/types/{name}/attributes/{attribute}")
async def edit_attribute(request: Request, name: str, attribute: str):
    session, form, ended = await posted(request)
    if ended:
        return ended
    confirm = form.pop("confirm", None)
    shown = {"label": "", "description": "", "options": "", **form, **{k: k in form for k in FLAGS}}
    if errors := lacks(session, "admin", "Editing attributes"):
        return await _edit_page(request, session, name, attribute, form=shown, errors=errors, status_code=403)
    try:
        owner, found = await _found(request, session, name, attribute)
        changes = AttributeUpdate.model_validate(changes_of(found, shown))
        editor = AttributeEditor(request.app.state.schema)
        workspace = session.caller.workspace
        if confirm is None:
            _, report, _ = await editor.update(workspace, owner.name, found.name, changes, dry_run=True, confirm=None)
            if report is not None and report.plan:
                return await _review(request, session, owner, found, shown, report)
        _, report, prune_id = await editor.update(workspace, owner.name, found.name, changes, dry_run=False,
                                                  confirm=confirm)
    except (DomainError, ValidationError) as exc:
        return await _edit_page(request, session, name, attribute, form=shown, status_code=409 if isinstance(
            exc, DomainError) and exc.code in ("plan_outdated", "confirmation_required") else 422,
            errors=in_words(exc, {"options": "options", "label": "label"}))
    if prune_id is None:
        return redirect_saying(request, f"/console/types/{owner.name}", f"Attribute {found.name!r} saved.")
    return await page(request, "pruned.html", {
        "title": "Change applied", "session": session, "type": owner, "attribute": found,
        "deleted": report.would_delete, "associations": report.associations[:SAMPLE], "prune_id": prune_id})


async def _review(request: Request, session: Session, owner, attribute: AttributeDef, form: dict, report):
    """The dry run, before anything happens, with the form to apply exactly its plan."""
    after = attribute.with_changes(cardinality="many" if form["many"] else "one",
                                   inverse_cardinality="many" if form["inverse_many"] else "one")
    labels = await labels_of(request, session.caller.workspace)
    return await page(request, "review.html", {
        "title": "Review the change", "session": session, "type": owner, "attribute": attribute, "labels": labels,
        "before": describe(owner, attribute, labels), "after": describe(owner, after, labels),
        "report": report.as_dict(),
        "sample": SAMPLE, "form": form, "flags": FLAGS})
