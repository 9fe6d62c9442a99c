"""The console's object pages: a type's objects (paged, found by external id), one
object with its attributes and references (both directions, linked), and creating one
from a form, through the same store the API writes with."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.api.routes.console_kit import (
    describe,
    lacks,
    not_found,
    posted,
    redirect,
    session_of,
    templates,
    to_sign_in,
)
from service.domain.data_types import ValueProblem, rules_for
from service.domain.records import ObjectWrite
from service.errors import DomainError, InvalidInput

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50


async def _objects_page(request: Request, session, name: str, *, external_id: str | None = None,
                        cursor: str | None = None, form=None, errors=None, status_code: int = 200):
    workspace = session.caller.workspace
    type_def = await request.app.state.schema.get_type(workspace, name)
    found, more = await request.app.state.objects.list(workspace, type_def.name, limit=PAGE, after=cursor,
                                                       external_id=external_id or None)
    shown = [a for a in type_def.attributes.values() if not a.is_reference][:4]
    return templates.TemplateResponse(request, "objects.html", {
        "title": f"{type_def.label} objects", "session": session, "type": type_def, "objects": found,
        "shown": shown, "external_id": external_id, "next_cursor": found[-1]["id"] if more else None,
        "form": form or {}, "errors": errors or {}}, status_code=status_code)


@router.get("/types/{name}/objects")
async def objects_page(request: Request, name: str, external_id: str | None = None, cursor: str | None = None):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    try:
        return await _objects_page(request, session, name, external_id=external_id, cursor=cursor)
    except DomainError as exc:
        return not_found(exc)


def _record(type_def, form: dict[str, str]) -> tuple[ObjectWrite | None, dict[str, str]]:
    """The form as a record (text read as each attribute's type), or the problems by field."""
    attributes, references, errors = {}, {}, {}
    for attribute in type_def.attributes.values():
        text = (form.get(attribute.name) or "").strip()
        if not text:
            continue
        if attribute.is_reference:
            targets = [{"external_id": e.strip()} for e in text.split(",") if e.strip()]
            # several for a `one` reference: the write refuses them, in words
            references[attribute.name] = targets if attribute.cardinality == "many" or len(targets) > 1 else targets[0]
            continue
        try:
            attributes[attribute.name] = rules_for(attribute.data_type).from_text(text)
        except ValueProblem as exc:
            errors[attribute.name] = f"{attribute.label}: {exc}"
    external_id = (form.get("external_id") or "").strip() or None
    return ObjectWrite(external_id=external_id, attributes=attributes, references=references), errors


@router.post("/types/{name}/objects")
async def create_object(request: Request, name: str):
    session, form, ended = await posted(request)
    if ended:
        return ended
    if errors := lacks(session, "write", "Creating objects"):
        return await _objects_page(request, session, name, form=form, errors=errors, status_code=403)
    workspace = session.caller.workspace
    try:
        type_def = await request.app.state.schema.get_type(workspace, name)
        record, errors = _record(type_def, form)
        if errors:
            return await _objects_page(request, session, name, form=form, errors=errors, status_code=422)
        _, result = await request.app.state.objects.write(workspace, type_def.name, [record])
    except InvalidInput as exc:
        problems = (exc.details or {}).get("errors") or []
        errors = {p["field"]: p["message"] for p in problems if p.get("field")} or {"form": exc.message}
        return await _objects_page(request, session, name, form=form, errors=errors, status_code=422)
    except DomainError as exc:  # a conflict: the message names who holds what
        return await _objects_page(request, session, name, form=form, errors={"form": exc.message}, status_code=409)
    return redirect(f"/console/types/{type_def.name}/objects/{result.ids[0]}")


@router.get("/types/{name}/objects/{object_id}")
async def object_page(request: Request, name: str, object_id: str):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    workspace = session.caller.workspace
    try:
        type_def = await request.app.state.schema.get_type(workspace, name)
        references = [a.name for a in type_def.attributes.values() if a.is_reference]
        _, found = await request.app.state.objects.get(workspace, type_def.name, [object_id], set(references))
    except DomainError as exc:
        return not_found(exc)
    if not found:
        return not_found(DomainError(f"no {type_def.name} with id {object_id!r}"))
    shown = {k: (v if isinstance(v, list) else [v] if v else []) for k, v in found[0]["references"].items()}
    return templates.TemplateResponse(request, "object.html", {
        "title": f"{type_def.label} {found[0]['external_id'] or object_id}", "session": session, "type": type_def,
        "object": found[0], "references": shown, "describe": describe})

