"""What every console page shares: the templates, the signed-in session, a posted form
checked against the session's CSRF secret, the scope a change needs, and a refusal put in
words beside the field it concerns."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from service.api.admission import charged
from service.console.session import COOKIE, Session, opened, same
from service.domain.schema import AttributeDef, TypeDef
from service.errors import DomainError, OverCapacity, RateLimited
from service.store.pool_share import serving

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
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


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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


def conflict_words(exc: DomainError) -> str:
    """A write's conflict as the console says it: the API's hint becomes the form's."""
    if exc.code == "cardinality_conflict":
        return exc.message.split('; pass "on_conflict"')[0] + '. Tick "Move taken targets here" to move it.'
    return exc.message


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
