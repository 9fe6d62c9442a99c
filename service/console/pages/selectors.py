"""The console's selector steps: the workspace's steps, creating one from the only valid
choices (each rule that rules a choice out, in words), a step's page with the buttons a
customer sees for a conversation, picking one, and deleting the step. Everything goes
through the stores the API uses (``request.app.state``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError

from service.console.kit import (
    in_words,
    lacks,
    not_found,
    posted,
    redirect,
    redirect_saying,
    session_of,
    page,
    to_sign_in,
)
from service.console.session import Session
from service.domain.schema import AttributeDef, TypeDef
from service.domain.selectors import MAX_BUTTONS, SelectorSpec, offer
from service.errors import Conflict, DomainError, InvalidInput, NotFound

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50
STEP_FORM = {"name": "", "display_attribute": "", "selection_attribute": "", "button_label": "{{external_id}}",
             "order_by": "", "direction": "asc", "max_buttons": "10", "connector_id": ""}
# check_selector's sentences, each beside the field it concerns (the first prefix that fits).
PROBLEM_FIELDS = (("The display and selection", "selection_attribute"), ("The display attribute", "display_attribute"),
                  ("The selection attribute", "selection_attribute"), ("The connector", "connector_id"),
                  ("The button label", "button_label"), ("The buttons cannot be ordered", "order_by"))
STEP_FIELDS = {"name": "name", "button_label": "button_label", "max_buttons": "max_buttons", "order": "order_by",
               "connector_id": "connector_id", "duplicate_name": "name", "unknown_connector": "connector_id"}


def choices(conversation: TypeDef) -> tuple[dict[str, dict[str, list[AttributeDef]]], list[str], list[str]]:
    """The object types a step can show, each with the Conversation references that may
    hold the options (``many``) and the pick (``one``); why any other reference is not
    offered; and which kind of reference Conversation lacks altogether."""
    found: dict[str, dict[str, list[AttributeDef]]] = {}
    notes = []
    for a in sorted(conversation.attributes.values(), key=lambda a: a.name):
        if not a.is_reference:
            continue
        if a.direction != "out":
            notes.append(f"Conversation.{a.name} is not offered: it is the other side of {a.target}."
                         f"{a.inverse_name}, and a step's attributes must be declared on Conversation.")
            continue
        role = "display" if a.cardinality == "many" else "selection"
        found.setdefault(a.target, {"display": [], "selection": []})[role].append(a)
    for target, held in sorted(found.items()):
        names = ", ".join(f"Conversation.{a.name}" for a in held["display"] + held["selection"])
        if not held["selection"]:
            notes.append(f"{target} is not offered: {names} could hold the options, but Conversation has no "
                         f"reference to one {target} to store the customer's pick.")
        elif not held["display"]:
            notes.append(f"{target} is not offered: {names} could store the customer's pick, but Conversation "
                         f"has no reference to many {target} to show as buttons.")
    lacking = [kind for kind, role in (("many", "display"), ("one", "selection"))
               if not any(held[role] for held in found.values())]
    offered = {t: held for t, held in sorted(found.items()) if held["display"] and held["selection"]}
    return offered, notes, lacking


async def _connectors(request: Request, workspace: str, type_name: str, displays: list[AttributeDef]) -> list:
    """The connectors a step showing ``type_name`` may run: they fetch that type into one
    of its possible display attributes."""
    found, _ = await request.app.state.connectors.list(workspace, limit=100, after=None)
    names = {a.name for a in displays}
    return [c for c in found if c.spec.get("object_type") == type_name
            and (c.spec.get("update_reference") or {}).get("on") == "Conversation"
            and (c.spec.get("update_reference") or {}).get("attribute") in names]


async def _steps_page(request: Request, session: Session, *, chosen: str | None = None, cursor: str | None = None,
                      form=None, errors=None, status_code: int = 200):
    workspace = session.caller.workspace
    schema = request.app.state.schema
    conversation = await schema.get_type(workspace, "Conversation")
    offered, notes, lacking = choices(conversation)
    chosen = chosen if chosen in offered else next(iter(offered), None)
    object_type = await schema.get_type(workspace, chosen) if chosen else None
    steps, more = await request.app.state.selectors.list(workspace, limit=PAGE, after=cursor)
    plain = [a.name for a in object_type.attributes.values() if not a.is_reference] if object_type else []
    return await page(request, "selectors.html", {
        "title": "Selector steps", "session": session, "steps": steps,
        "next_cursor": steps[-1].id if more else None, "conversation": conversation, "offered": offered,
        "notes": notes, "lacking": lacking, "chosen": object_type, "plain": plain,
        "connectors": await _connectors(request, workspace, chosen, offered[chosen]["display"]) if chosen else [],
        "max_buttons": MAX_BUTTONS, "form": form or STEP_FORM, "errors": errors or {}},
        status_code=status_code)


@router.get("/selectors")
async def steps_page(request: Request, type: str | None = None, cursor: str | None = None):
    session = await session_of(request)
    return await _steps_page(request, session, chosen=type, cursor=cursor) if session else to_sign_in()


def _spec(form: dict[str, str]) -> dict:
    by = form.get("order_by", "").strip()
    return {"name": form.get("name", "").strip(), "object_type": form.get("object_type", ""),
            "display_attribute": form.get("display_attribute", ""),
            "selection_attribute": form.get("selection_attribute", ""),
            "connector_id": form.get("connector_id") or None, "button_label": form.get("button_label", "").strip(),
            "order": {"by": by, "direction": form.get("direction") or "asc"} if by else None,
            "max_buttons": form.get("max_buttons", "").strip() or 10}


def step_errors(exc: Exception) -> dict[str, str]:
    """A refused step as errors by field: each broken rule beside its field."""
    problems = exc.details.get("problems") if isinstance(exc, InvalidInput) and isinstance(exc.details, dict) else None
    if not problems:
        return in_words(exc, STEP_FIELDS)
    errors: dict[str, str] = {}
    for problem in problems:
        field = next((f for prefix, f in PROBLEM_FIELDS if problem.startswith(prefix)), "form")
        errors[field] = " ".join(filter(None, [errors.get(field), problem]))
    return errors


@router.post("/selectors")
async def create_step(request: Request):
    session, form, ended = await posted(request)
    if ended:
        return ended
    chosen, shown = form.get("object_type"), {**STEP_FORM, **form}
    if errors := lacks(session, "admin", "Creating selector steps"):
        return await _steps_page(request, session, chosen=chosen, form=shown, errors=errors, status_code=403)
    try:
        spec = SelectorSpec.model_validate(_spec(form))
        saved = await request.app.state.selectors.create(session.caller.workspace, spec)
    except (DomainError, ValidationError) as exc:
        return await _steps_page(request, session, chosen=chosen, form=shown, errors=step_errors(exc),
                                 status_code=409 if isinstance(exc, Conflict) else 422)
    return redirect_saying(request, f"/console/selectors/{saved.id}", f"Selector step {spec.name!r} saved.")


async def _conversation(request: Request, workspace: str, text: str, selection: str) -> dict | None:
    """The conversation with this external id, else this id (with its selection), or None."""
    objects = request.app.state.objects
    by_external, _ = await objects.list(workspace, "Conversation", limit=1, after=None, external_id=text)
    _, found = await objects.get(workspace, "Conversation", [by_external[0]["id"] if by_external else text],
                                 {selection})
    return found[0] if found else None


async def _preview(request: Request, workspace: str, step_id: str, spec: SelectorSpec, text: str,
                   run: bool) -> dict:
    """The buttons for the conversation: what the display attribute holds now (a read),
    or, with ``run``, after the step's connector ran for it (as the customer's flow does)."""
    conversation = await _conversation(request, workspace, text, spec.selection_attribute)
    if conversation is None:
        raise NotFound(f"No Conversation has the id or external id {text!r}.")
    if run:
        buttons = await request.app.state.selector_buttons.buttons(workspace, conversation["id"], step_id)
        conversation = await _conversation(request, workspace, conversation["id"], spec.selection_attribute)
    else:
        buttons = offer(spec, await request.app.state.selectors.options(workspace, conversation["id"], spec), None)
    picked = conversation["references"].get(spec.selection_attribute) or None
    label = next((shown for o, shown in buttons.options if picked and o["id"] == picked["id"]), None)
    return {"conversation": conversation, "buttons": buttons, "picked": picked, "picked_label": label, "ran": run}


async def _step_page(request: Request, session: Session, step_id: str, *, conversation: str = "", run: bool = False,
                     errors=None, status_code: int = 200):
    workspace = session.caller.workspace
    try:
        saved = await request.app.state.selectors.get(workspace, step_id)
    except DomainError as exc:
        return await not_found(request, exc)
    spec, errors, preview, connector = saved.spec_as(SelectorSpec), dict(errors or {}), None, None
    if conversation.strip():
        try:
            preview = await _preview(request, workspace, saved.id, spec, conversation.strip(), run)
        except DomainError as exc:
            errors["conversation"], status_code = exc.message, max(status_code, 404 if isinstance(exc, NotFound)
                                                                   else 422)
    if spec.connector_id:
        try:
            connector = await request.app.state.connectors.get(workspace, spec.connector_id)
        except NotFound:
            pass
    return await page(request, "selector.html", {
        "title": spec.name, "session": session, "step": saved, "spec": spec, "connector": connector,
        "typed": conversation, "preview": preview, "errors": errors}, status_code=status_code)


@router.get("/selectors/{step_id}")
async def step_page(request: Request, step_id: str, conversation: str = ""):
    session = await session_of(request)
    return await _step_page(request, session, step_id, conversation=conversation) if session else to_sign_in()


@router.post("/selectors/{step_id}/buttons")
async def run_and_preview(request: Request, step_id: str):
    """The customer's flow up to the buttons: the step's connector runs for the
    conversation first (it writes the display attribute: a write or admin token)."""
    session, form, ended = await posted(request)
    if ended:
        return ended
    typed = form.get("conversation", "")
    if errors := lacks(session, "write", "Running the step's connector"):
        return await _step_page(request, session, step_id, conversation=typed, errors={"run": errors["form"]},
                                status_code=403)
    return await _step_page(request, session, step_id, conversation=typed, run=True)


@router.post("/selectors/{step_id}/select")
async def pick(request: Request, step_id: str):
    session, form, ended = await posted(request)
    if ended:
        return ended
    conversation = form.get("conversation", "")
    if errors := lacks(session, "write", "Picking a button"):
        return await _step_page(request, session, step_id, conversation=conversation,
                                errors={"buttons": errors["form"]}, status_code=403)
    try:
        await request.app.state.selectors.select(session.caller.workspace, conversation, step_id,
                                                 form.get("object_id", ""))
    except DomainError as exc:
        return await _step_page(request, session, step_id, conversation=conversation,
                                errors={"buttons": exc.message}, status_code=404 if isinstance(exc, NotFound) else 422)
    shown = form.get("typed", "").strip() or conversation  # the preview as it was asked for
    return redirect(f"/console/selectors/{quote(step_id, safe='')}?conversation={quote(shown, safe='')}#selection")
