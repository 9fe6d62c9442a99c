"""The admin console (/console): pages rendered on the server from refgraph's own stores,
for the support admins who set up objects and references. Signed in with a token (see
``service/console/session.py``); every form post checks the session's CSRF secret."""

from __future__ import annotations

import math
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from service.api.auth import caller_for
from service.api.routes.console_kit import (
    refused,
    session_of,
    templates,
)
from service.console.session import COOKIE, MAX_AGE_S, PRE_COOKIE, same, sealed

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
async def home(request: Request):
    return RedirectResponse("/console/types" if await session_of(request) else "/console/sign-in", status_code=303)


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
        return refused()
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
    session = await session_of(request)
    if session is not None and not same(csrf, session.csrf):
        return refused()
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
