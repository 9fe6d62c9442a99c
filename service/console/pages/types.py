"""The console's schema pages: the types with their counts, creating one, a type's page
with its attributes in words, and adding an attribute (a reference with Intercom's two
toggles)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from service.console.kit import (
    in_words,
    lacks,
    not_found,
    posted,
    redirect_saying,
    session_of,
    page,
    to_sign_in,
)
from service.console.session import Session
from service.domain.schema import AttributeCreate, DataType, TypeCreate
from service.errors import DomainError

router = APIRouter(prefix="/console", include_in_schema=False)
NAME_ERRORS = {"type name": "name", "name": "name", "attribute name": "name", "type_exists": "name",
               "attribute_exists": "name", "invalid_identifier": "name"}


async def _types_page(request: Request, session: Session, *, form=None, errors=None, status_code: int = 200):
    types, counts = await request.app.state.schema.types_with_counts(session.caller.workspace)
    return await page(request, "types.html", {
        "title": "Objects", "session": session, "types": types, "counts": counts,
        "form": form or {"name": "", "label": "", "description": ""}, "errors": errors or {}},
        status_code=status_code)


@router.get("/types")
async def types_page(request: Request):
    session = await session_of(request)
    return await _types_page(request, session) if session else to_sign_in()


@router.post("/types")
async def create_type(request: Request):
    session, form, ended = await posted(request)
    if ended:
        return ended
    if errors := lacks(session, "admin", "Creating types"):
        return await _types_page(request, session, form=form, errors=errors, status_code=403)
    try:
        spec = TypeCreate(name=form.get("name", "").strip(), label=form.get("label", "").strip() or None,
                          description=form.get("description", "").strip())
        await request.app.state.schema.create_type(session.caller.workspace, spec)
    except (DomainError, ValidationError) as exc:
        return await _types_page(request, session, form=form, errors=in_words(exc, NAME_ERRORS), status_code=422)
    return redirect_saying(request, f"/console/types/{spec.name}", f"Object type {spec.name!r} created.")


ATTRIBUTE_FORM = {"name": "", "data_type": "string", "options": "", "required": False, "unique": False,
                  "target": "Person", "many": False, "inverse": "", "inverse_many": True}


async def _type_page(request: Request, session: Session, name: str, *, form=None, errors=None,
                     status_code: int = 200):
    schema = request.app.state.schema
    try:
        found = await schema.get_type(session.caller.workspace, name)
    except DomainError as exc:
        return await not_found(request, exc)
    return await page(request, "type.html", {
        "title": found.label, "session": session, "type": found,
        "types": await schema.list_types(session.caller.workspace), "data_types": [t.value for t in DataType],
        "form": form or ATTRIBUTE_FORM, "errors": errors or {}}, status_code=status_code)


@router.get("/types/{name}")
async def type_page(request: Request, name: str):
    session = await session_of(request)
    return await _type_page(request, session, name) if session else to_sign_in()


def parse_options(text: str) -> list[dict[str, str]]:
    """Options one per line: ``value`` or ``value = Label`` (the spaces around ``=`` part
    them, so a value may hold ``=``)."""
    options = []
    for line in text.splitlines():
        value, _, label = line.partition(" = ")
        if value.strip():
            options.append({"value": value.strip(), **({"label": label.strip()} if label.strip() else {})})
    return options


def _attribute_spec(form: dict[str, str]) -> dict:
    data_type = form.get("data_type", "string")
    spec = {"name": form.get("name", "").strip(), "data_type": data_type, "required": "required" in form,
            "unique": "unique" in form}
    if data_type in ("enum", "enum_list"):
        spec["options"] = parse_options(form.get("options", ""))
    if data_type == "reference":
        spec["reference"] = {"target": form.get("target", ""), "cardinality": "many" if "many" in form else "one"}
        if form.get("inverse", "").strip():
            spec["reference"]["inverse"] = {"name": form["inverse"].strip(),
                                            "cardinality": "many" if "inverse_many" in form else "one"}
    return spec


@router.post("/types/{name}/attributes")
async def add_attribute(request: Request, name: str):
    session, form, ended = await posted(request)
    if ended:
        return ended
    shown = {**ATTRIBUTE_FORM, **form, **{k: k in form for k in ("required", "unique", "many", "inverse_many")}}
    if errors := lacks(session, "admin", "Adding attributes"):
        return await _type_page(request, session, name, form=shown, errors=errors, status_code=403)
    try:
        await request.app.state.schema.add_attribute(session.caller.workspace, name,
                                                     AttributeCreate.model_validate(_attribute_spec(form)))
    except (DomainError, ValidationError) as exc:
        errors = in_words(exc, {"invalid_identifier": "name", "attribute_exists": "name"})
        return await _type_page(request, session, name, form=shown, errors=errors, status_code=422)
    return redirect_saying(request, f"/console/types/{name}", f"Attribute {form.get('name', '').strip()!r} added.")
