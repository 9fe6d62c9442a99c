"""The admin console (/console): pages rendered on the server from refgraph's own stores,
for the support admins who set up objects and references. Signed in with a token (see
``service/console/session.py``); every form post checks the session's CSRF secret."""

from __future__ import annotations

import math
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from service.console.kit import (
    refused,
    session_of,
    templates,
    to_sign_in,
)
from service.console.session import COOKIE, MAX_AGE_S, PRE_COOKIE, same, sealed

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
async def home(request: Request):
    return RedirectResponse("/console/types" if await session_of(request) else "/console/sign-in", status_code=303)


# What the page may say above the form, by code: ``?error=<code>`` shows one of these and
# nothing else (an unknown code shows nothing), so a link cannot put its own words on the page.
MESSAGES = {
    "invalid_token": "That token is not valid (or was revoked). Check it and try again.",
}


@router.get("/sign-in")
async def sign_in_page(request: Request, error: str | None = None):
    return _form(request, MESSAGES.get(error or ""))


def _form(request: Request, message: str | None):
    """The form, with a message this module wrote (never text from the request)."""
    csrf = secrets.token_urlsafe(24)
    page = templates.TemplateResponse(request, "sign_in.html", {"title": "Sign in", "session": None, "csrf": csrf,
                                                                "error": message})
    page.set_cookie(PRE_COOKIE, csrf, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                    path="/console")
    return page


@router.post("/sign-in")
async def sign_in(request: Request, token: str = Form(""), csrf: str = Form("")):
    if not same(csrf, request.cookies.get(PRE_COOKIE)):
        return refused()
    state, token = request.app.state, token.strip()
    address = request.client.host if request.client else "unknown"
    # The API's budget (one for both doors): a valid token signs in whatever the address spent.
    caller, wait = await state.rate_limits.authenticate(state, token, address)
    if wait > 0:
        page = _form(request, f"Too many failed sign-ins from this address; try again in {math.ceil(wait)} s.")
        page.status_code = 429
        return page
    if caller is None:
        page = _form(request, MESSAGES["invalid_token"])
        page.status_code = 401
        return page
    cookie = sealed(state.console_key, token, await state.console_sessions.open(caller.workspace))
    response = RedirectResponse("/console/types", status_code=303)
    response.set_cookie(COOKIE, cookie, max_age=MAX_AGE_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/console")
    response.delete_cookie(PRE_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: str = Form("")):
    """Closes the session (a copy of its cookie ends too). Without a session (a post from
    another site carries no cookie) nothing is touched."""
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    if not same(csrf, session.csrf):
        return refused()
    await request.app.state.console_sessions.close(session.id)
    response = to_sign_in()
    response.delete_cookie(COOKIE, path="/console")
    return response
