"""The admin console (/console): pages rendered on the server from refgraph's own stores,
for the support admins who set up objects and references. Signed in with a token (see
``service/console/session.py``); every form post checks the session's CSRF secret."""

from __future__ import annotations

import html
import math
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from service.api.auth import caller_for
from service.config import PACKAGE
from service.console.session import (
    COOKIE,
    MAX_AGE_S,
    PRE_COOKIE,
    Session,
    opened,
    same,
    sealed,
)
from service.domain.schema import (
    AttributeCreate,
    AttributeDef,
    DataType,
    TypeCreate,
    TypeDef,
)
from service.errors import DomainError

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=PACKAGE / "console" / "templates")


def describe(owner: TypeDef, a: AttributeDef) -> str:
    """An attribute's rules in words (a reference's in Intercom's terms)."""
    if a.is_reference:
        holder = f"Each {owner.label} references {'one' if a.cardinality == 'one' else 'many'} {a.target}"
        back = (f"; each {a.target} can have {'one' if a.inverse_cardinality == 'one' else 'many'} {owner.label}"
                f" ({a.inverse_name})" if a.inverse_name else "")
        return holder + back
    rules = [r for r, on in (("required", a.required), ("unique", a.unique), ("indexed", a.indexed)) if on]
    if a.options:
        rules.append("one of " + ", ".join(label for _, label in a.options))
    return ", ".join(rules)


async def _session(request: Request) -> Session | None:
    return await opened(request.app.state.console_key, request.app.state, request.cookies.get(COOKIE))


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/console/sign-in", status_code=303)


def _refused() -> Response:
    return HTMLResponse("<p>This form was not sent from the console's own page (its CSRF token is missing or "
                        "wrong); nothing was changed. <a href='/console/types'>Back to the console</a></p>",
                        status_code=403)


@router.get("")
async def home(request: Request):
    return RedirectResponse("/console/types" if await _session(request) else "/console/sign-in", status_code=303)


@router.get("/sign-in")
async def sign_in_form(request: Request, error: str | None = None):
    csrf = secrets.token_urlsafe(24)
    page = templates.TemplateResponse(request, "sign_in.html", {"title": "Sign in", "session": None, "csrf": csrf,
                                                                "error": error})
    page.set_cookie(PRE_COOKIE, csrf, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                    path="/console")
    return page


@router.post("/sign-in")
async def sign_in(request: Request, token: str = Form(""), csrf: str = Form("")):
    if not same(csrf, request.cookies.get(PRE_COOKIE)):
        return _refused()
    key, failures = request.app.state.console_key, request.app.state.console_failures
    address = request.client.host if request.client else "unknown"
    wait = failures.empty(address)  # as the API: an address that failed too often waits
    if wait > 0:
        page = await sign_in_form(request, error=f"Too many failed sign-ins from this address; try again in "
                                                 f"{math.ceil(wait)} s.")
        page.status_code = 429
        return page
    if await caller_for(request.app.state, token.strip()) is None:
        failures.wait(address)
        page = await sign_in_form(request, error="That token is not valid (or was revoked). Check it and try again.")
        page.status_code = 401
        return page
    cookie, _ = sealed(key, token.strip())
    response = RedirectResponse("/console/types", status_code=303)
    response.set_cookie(COOKIE, cookie, max_age=MAX_AGE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/console")
    response.delete_cookie(PRE_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: str = Form("")):
    session = await _session(request)
    if session is not None and not same(csrf, session.csrf):
        return _refused()
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


async def _types_page(request: Request, session: Session, *, form=None, errors=None, status_code: int = 200):
    types, counts = await request.app.state.schema.types_with_counts(session.caller.workspace)
    return templates.TemplateResponse(request, "types.html", {
        "title": "Objects", "session": session, "types": types, "counts": counts,
        "form": form or {"name": "", "label": "", "description": ""}, "errors": errors or {}},
        status_code=status_code)


@router.get("/types")
async def types_page(request: Request):
    session = await _session(request)
    return await _types_page(request, session) if session else _to_sign_in()


@router.post("/types")
async def create_type(request: Request, csrf: str = Form(""), name: str = Form(""), label: str = Form(""),
                      description: str = Form("")):
    session = await _session(request)
    if session is None:
        return _to_sign_in()
    if not same(csrf, session.csrf):
        return _refused()
    form = {"name": name, "label": label, "description": description}
    if not session.can_admin:
        return await _types_page(request, session, form=form, status_code=403, errors={
            "form": f"Creating types needs an admin token; this one is {session.caller.scope}."})
    try:
        spec = TypeCreate(name=name.strip(), label=label.strip() or None, description=description.strip())
        await request.app.state.schema.create_type(session.caller.workspace, spec)
    except DomainError as exc:
        field = "name" if (exc.details or {}).get("field") in ("type name", "name") or exc.code in (
            "type_exists", "invalid_identifier") else "form"
        return await _types_page(request, session, form=form, errors={field: exc.message}, status_code=422)
    except ValueError as exc:  # the request model's own checks
        return await _types_page(request, session, form=form, errors={"name": str(exc)}, status_code=422)
    return RedirectResponse(f"/console/types/{spec.name}", status_code=303)


ATTRIBUTE_FORM = {"name": "", "data_type": "string", "options": "", "required": False, "unique": False,
                  "target": "Person", "many": False, "inverse": "", "inverse_many": True}


async def _type_page(request: Request, session: Session, name: str, *, form=None, errors=None,
                     status_code: int = 200):
    schema = request.app.state.schema
    try:
        found = await schema.get_type(session.caller.workspace, name)
    except DomainError as exc:
        return HTMLResponse(f"<p>{html.escape(exc.message)}</p><p><a href='/console/types'>Back</a></p>",
                            status_code=404)
    return templates.TemplateResponse(request, "type.html", {
        "title": found.label, "session": session, "type": found, "describe": describe,
        "types": await schema.list_types(session.caller.workspace), "data_types": [t.value for t in DataType],
        "form": form or ATTRIBUTE_FORM, "errors": errors or {}}, status_code=status_code)


@router.get("/types/{name}")
async def type_page(request: Request, name: str):
    session = await _session(request)
    return await _type_page(request, session, name) if session else _to_sign_in()


@router.post("/types/{name}/attributes")
async def add_attribute(request: Request, name: str, csrf: str = Form(""), attribute: str = Form("", alias="name"),
                        data_type: str = Form("string"), options: str = Form(""), required: bool = Form(False),
                        unique: bool = Form(False), target: str = Form(""), many: bool = Form(False),
                        inverse: str = Form(""), inverse_many: bool = Form(False)):
    session = await _session(request)
    if session is None:
        return _to_sign_in()
    if not same(csrf, session.csrf):
        return _refused()
    form = {"name": attribute, "data_type": data_type, "options": options, "required": required, "unique": unique,
            "target": target, "many": many, "inverse": inverse, "inverse_many": inverse_many}
    if not session.can_admin:
        return await _type_page(request, session, name, form=form, status_code=403, errors={
            "form": f"Adding attributes needs an admin token; this one is {session.caller.scope}."})
    spec = {"name": attribute.strip(), "data_type": data_type, "required": required, "unique": unique}
    if data_type in ("enum", "enum_list"):
        spec["options"] = [{"value": line.strip()} for line in options.splitlines() if line.strip()]
    if data_type == "reference":
        spec["reference"] = {"target": target, "cardinality": "many" if many else "one"}
        if inverse.strip():
            spec["reference"]["inverse"] = {"name": inverse.strip(), "cardinality": "many" if inverse_many else "one"}
    try:
        await request.app.state.schema.add_attribute(session.caller.workspace, name,
                                                     AttributeCreate.model_validate(spec))
    except DomainError as exc:
        field = "name" if exc.code in ("invalid_identifier", "attribute_exists") else "form"
        return await _type_page(request, session, name, form=form, errors={field: exc.message}, status_code=422)
    except ValidationError as exc:  # the request model's own checks, in words
        message = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return await _type_page(request, session, name, form=form, errors={"form": message}, status_code=422)
    return RedirectResponse(f"/console/types/{name}", status_code=303)
