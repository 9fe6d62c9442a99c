"""What every console page shares: the templates, the signed-in session, a posted form
checked against the session's CSRF secret, the scope a change needs, and a refusal put in
words beside the field it concerns."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from cryptography.fernet import InvalidToken
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from pydantic import ValidationError

from service.api.admission import charged
from service.console import words
from service.console.session import COOKIE, Session, opened, same
from service.domain.schema import AttributeDef, DataType, TypeDef
from service.errors import DomainError, OverCapacity, RateLimited
from service.store.change_log import act_as
from service.store.pool_share import serving

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
for _name in ("plural", "article", "counted", "number", "moment", "ago", "day"):
    templates.env.filters[_name] = getattr(words, _name)


@pass_context
def label_of(context, type_name: str) -> str:
    """A type's label, from the page's ``labels`` (type name -> label), else its name."""
    return (context.get("labels") or {}).get(type_name, type_name)


def value_words(attribute: AttributeDef, value) -> str:
    """A held value as a person reads it: an option's label, Yes/No, a date in words, a
    list separated by commas."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value_words(attribute, item) for item in value)
    if attribute.options:
        return dict(attribute.options).get(value, str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if attribute.data_type == DataType.date:
        return words.day(value)
    if attribute.data_type == DataType.datetime:
        return words.moment(value)
    return str(value)


@pass_context
def _describe(context, owner: TypeDef, a: AttributeDef) -> str:
    return describe(owner, a, context.get("labels"))


DATA_TYPE_WORDS = {"string": "Text", "integer": "Whole number", "float": "Number", "boolean": "Yes or no",
                   "date": "Date", "datetime": "Date and time", "string_list": "List of texts",
                   "enum": "Choice of one option", "enum_list": "Choice of several options",
                   "reference": "Reference to other objects"}
templates.env.globals |= {"label_of": label_of, "value_words": value_words, "describe": _describe,
                          "data_type_words": DATA_TYPE_WORDS}
Need = Literal["write", "admin"]


class ConsoleRateLimited(Exception):
    """A signed-in token over its request rate (the API's limit: one budget for both)."""

    def __init__(self, wait: float):
        self.wait = wait


class ConsoleBusy(Exception):
    """A page's expensive work over its token's or workspace's admission quota."""

    def __init__(self, retry_after_s: int):
        self.retry_after_s = retry_after_s


async def session_of(request: Request) -> Session | None:
    """The signed-in session, taking one request from its token's rate limit."""
    state = request.app.state
    session = await opened(state.console_key, state, request.cookies.get(COOKIE))
    if session is not None and (wait := state.rate_limits.per_token.wait(session.caller.token_id)) > 0:
        raise ConsoleRateLimited(wait)
    if session is not None:
        act_as(session.caller.token_id)  # what this request changes is recorded as its token's
    return session


@contextlib.asynccontextmanager
async def admitted_page(request: Request, session: Session, kind: str) -> AsyncIterator[None]:
    """The API's admission (``service/api/admission.py``) for a page's search or report, its
    Neo4j sessions taking its workspace's connection slots (``store/pool_share.py``): over
    the quota or the share, a page saying so (503 with Retry-After)."""
    caller = session.caller
    try:
        await charged(request.app.state, kind, caller.token_id)
    except RateLimited as exc:
        raise ConsoleRateLimited(exc.retry_after_s) from None
    try:
        with serving(caller.workspace):
            async with request.app.state.admission.admitted(kind, caller.token_id, caller.workspace):
                yield
    except OverCapacity as exc:
        raise ConsoleBusy(exc.retry_after_s) from None


async def labels_of(request: Request, workspace: str) -> dict[str, str]:
    """The workspace's type labels by type name: how pages name types."""
    return {t.name: t.label for t in await request.app.state.schema.list_types(workspace)}


async def page(request: Request, template: str, context: dict, *, status_code: int = 200,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    """A console page: ``template`` with ``context`` and, for a signed-in session, the
    workspace's type labels (``labels``), so every page names types as the admin does."""
    session = context.get("session")
    if session is not None and "labels" not in context:
        types = context.get("types")
        known = isinstance(types, list) and all(isinstance(t, TypeDef) for t in types)  # the page read them
        labels = {t.name: t.label for t in types} if known else await labels_of(request, session.caller.workspace)
        context = {**context, "labels": labels}
    response = templates.TemplateResponse(request, template, {**context, "saved": _said(request)},
                                          status_code=status_code, headers=headers)
    if SAVED in request.cookies:
        response.delete_cookie(SAVED, path="/console", httponly=True, samesite="strict")
    return response


async def message_page(request: Request, title: str, message: str, status_code: int, *,
                       headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page that says one thing (not found, busy, too many requests), with the console's
    header and navigation, and the way back."""
    state = request.app.state
    session = await opened(state.console_key, state, request.cookies.get(COOKIE))  # nothing charged for it
    back, words = ("/console/types", "Back to the object types") if session else ("/console/sign-in", "Sign in")
    return templates.TemplateResponse(request, "message.html", {
        "title": title, "message": message, "session": session, "back": back, "back_words": words},
        status_code=status_code, headers=headers)


async def busy(request: Request, exc: ConsoleBusy) -> HTMLResponse:
    return await message_page(request, "Busy", "This workspace has too many searches or reports running at once; "
                              f"try again in {exc.retry_after_s} s.", 503,
                              headers={"Retry-After": str(exc.retry_after_s)})


async def rate_limited(request: Request, exc: ConsoleRateLimited) -> HTMLResponse:
    retry = max(1, math.ceil(exc.wait))
    return await message_page(request, "Too many requests",
                              f"Too many requests with this token; try again in {retry} s.", 429,
                              headers={"Retry-After": str(retry)})


def to_sign_in() -> RedirectResponse:
    return RedirectResponse("/console/sign-in", status_code=303)


def refused() -> Response:
    return HTMLResponse("<p>This form was not sent from the console's own page (its CSRF token is missing or "
                        "wrong); nothing was changed. <a href='/console/types'>Back to the console</a></p>",
                        status_code=403)


async def not_found(request: Request, exc: DomainError) -> HTMLResponse:
    return await message_page(request, "Not found", exc.message[:1].upper() + exc.message[1:] + ".", 404)


SAVED = "refgraph_console_saved"  # what the last change did, said once on the page it led to


SAVED_FOR_S = 60


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def redirect_saying(request: Request, url: str, saved: str) -> RedirectResponse:
    """To the page a form leads to, which says once what was done ("Attribute 'expiry_date'
    added."): the words travel in a short-lived cookie encrypted with the console's key, so
    no one but this server can make a page say anything."""
    response = redirect(url)
    sealed = request.app.state.console_key.encrypt(saved[:1500].encode()).decode()
    response.set_cookie(SAVED, sealed, max_age=SAVED_FOR_S, path="/console", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


def _said(request: Request) -> str:
    """The words a redirect left for this page, if they are this server's and fresh."""
    sealed = request.cookies.get(SAVED)
    try:
        return request.app.state.console_key.decrypt(sealed.encode(), ttl=SAVED_FOR_S).decode() if sealed else ""
    except InvalidToken:
        return ""


async def posted(request: Request) -> tuple[Session | None, dict[str, str], Response | None]:
    """The session and the posted form (its text fields, without the CSRF secret), or the
    response that ends the request: to sign-in without a session, 403 without the secret."""
    session = await session_of(request)
    if session is None:
        return None, {}, to_sign_in()
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not same(form.pop("csrf", None), session.csrf):
        return session, {}, refused()
    return session, form, None


def lacks(session: Session, need: Need, doing: str) -> dict[str, str] | None:
    """The refusal (as page errors) when the session's token may not do this."""
    allowed = session.can_admin if need == "admin" else session.can_write
    if allowed:
        return None
    wanted = "an admin token" if need == "admin" else "a write or admin token"
    return {"form": f"{doing} needs {wanted}; this one is {session.caller.scope}."}


def in_words(exc: Exception, fields: dict[str, str] | None = None) -> dict[str, str]:
    """A refusal as errors by form field: a request model's checks, an API error's
    listed problems, or its message above the button ("form"). ``fields`` maps the
    error's ``details.field`` (or its code) to a form field."""
    fields = fields or {}
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for e in exc.errors():
            name = fields.get(str(e["loc"][0]) if e["loc"] else "", "form")
            found[name] = "; ".join(filter(None, [found.get(name), e["msg"].removeprefix("Value error, ")]))
        return found
    if isinstance(exc, DomainError):
        details = exc.details if isinstance(exc.details, dict) else {}
        listed = {p["field"]: p["message"] for p in details.get("errors") or [] if isinstance(p, dict) and p.get("field")}
        if listed:
            return listed
        field = fields.get(str(details.get("field")), fields.get(exc.code or "", "form"))
        return {field: exc.message}
    return {"form": str(exc)}


def conflict_words(exc: DomainError, labels: dict[str, str]) -> str:
    """A write's conflict as the console says it, in the types' labels ("Person ada already
    has an ID card (idc-1)"), with the form's way out instead of the API's."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if exc.code == "cardinality_conflict" and "target_type" in details:
        holder, target_type = details["holder"], details["target_type"]
        held_by = labels.get(holder["type"], holder["type"])
        return (f"{labels.get(target_type, target_type)} {details['target_external_id'] or details['target']} "
                f"already has {words.article(held_by)} ({holder['external_id'] or holder['id']}). "
                'Tick "Move taken targets here" to move it.')
    return exc.message


def describe(owner: TypeDef, a: AttributeDef, labels: dict[str, str] | None = None) -> str:
    """An attribute's rules in words (a reference's in Intercom's terms, with the types'
    labels: "Each Person references many Orders; each Order can have one Person")."""
    if a.is_reference:
        target = (labels or {}).get(a.target, a.target)
        held = f"one {target}" if a.cardinality == "one" else f"many {words.plural(target)}"
        holder = f"Each {owner.label} references {held}"
        if not a.inverse_name:
            return holder
        back = f"one {owner.label}" if a.inverse_cardinality == "one" else f"many {words.plural(owner.label)}"
        return f"{holder}; each {target} can have {back} ({a.inverse_name})"
    rules = [r for r, on in (("required", a.required), ("unique", a.unique), ("indexed", a.indexed)) if on]
    if a.options:
        rules.append("one of " + ", ".join(label for _, label in a.options))
    return ", ".join(rules)
