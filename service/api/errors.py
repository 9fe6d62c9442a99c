"""Every error leaves the API in one shape:
``{"error": {"code": "...", "message": "...", "details": ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from neo4j.exceptions import ConnectionAcquisitionTimeoutError, Neo4jError, ServiceUnavailable, SessionExpired
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import compile_path

from service.api.paths import route_path
from service.domain.records import MAX_PROBLEMS
from service.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    OverCapacity,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from service.store.database import over_memory_limit, timed_out

log = logging.getLogger("refgraph.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}


# Each domain error class answers one status; a subclass answers its base class's.
STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, RateLimited: 429,
    Unavailable: 503,
}


def status_of(exc: DomainError) -> int:
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse, "description": HTTP_CODES.get(status, "error")}
            for status in statuses}


# The error answers any /v1 route can give, for the OpenAPI document.
V1_ERROR_RESPONSES = responses(401, 403, 422, 500, 503)


async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, OverCapacity | RateLimited):
        headers = {"Retry-After": str(exc.retry_after_s), **closing(request.scope)}
    return error_response(status, exc.code, exc.message, exc.details, headers)


def closing(scope) -> dict[str, str]:
    """``Connection: close`` for a refusal of a request that sends a body: the rest of the
    body is not read into the API (a client that does not wait for ``Retry-After`` may
    send another at once), and the client connects again for its retry."""
    headers = dict(scope.get("headers") or [])
    sends_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
    return {"Connection": "close"} if sends_body else {}


async def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    """Every connection of this process's pool stayed in use while the request waited."""
    return error_response(503, "over_capacity", "the database's connections are all in use; retry after a moment",
                          headers={"Retry-After": "1"})


# FastAPI's words for a body it could not read (bytes that are not UTF-8, JSON nested past
# Python's recursion, a malformed form): a 400 the API document does not list.
UNREADABLE_BODY = "There was an error parsing the body"


def _unreadable_body(exc: HTTPException) -> JSONResponse:
    """The body FastAPI could not read, as the documented ``422 invalid_input`` saying why."""
    cause = exc.__cause__
    if isinstance(cause, UnicodeDecodeError):
        why = (f"the body is not UTF-8 (byte 0x{cause.object[cause.start]:02x} at offset {cause.start} "
               "cannot be decoded); send one JSON object encoded as UTF-8")
    elif isinstance(cause, RecursionError):
        why = "the body is JSON nested deeper than refgraph reads; send one JSON object of the route's shape"
    else:
        why = (f"the body could not be read ({type(cause).__name__ if cause else 'unreadable'}); send one JSON "
               "object, UTF-8, with 'Content-Type: application/json'")
    return error_response(422, "invalid_input", f"invalid request: {why}",
                          {"errors": [{"loc": ["body"], "message": why, "type": "body_unreadable"}], "total": 1})


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:
        return _unreadable_body(exc)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers, details = getattr(exc, "headers", None), None
    path = request.url.path
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = f"no route {request.method} {path}"
        if len(path) > 1 and path.endswith("/"):
            message += f"; drop the trailing slash: {request.method} {path.rstrip('/')}"
    elif exc.status_code == 405:
        allowed = _methods(request) or [m.strip() for m in (headers or {}).get("Allow", "").split(",") if m.strip()]
        message = f"{request.method} is not allowed on {path}; it takes {', '.join(allowed) or 'no method'}"
        details = {"allowed": allowed}
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
    return error_response(exc.status_code, code, message, details, headers=headers)


def _methods(request: Request) -> list[str]:
    """Every method the API document gives the requested path (Starlette's Allow header
    names only the first route that matched the path)."""
    app = request.app
    table = getattr(app.state, "methods_by_path", None)
    if table is None:
        table = app.state.methods_by_path = [
            (compile_path(template)[0], sorted(m.upper() for m in operations))
            for template, operations in app.openapi().get("paths", {}).items()]
    path = route_path(request.scope)
    return sorted({m for pattern, methods in table if pattern.match(path) for m in methods})


def _explain(request: Request, error: dict[str, Any]) -> str:
    """One validation error as a sentence that says what to do."""
    loc = [str(p) for p in error.get("loc", ())]
    where = ".".join(loc)
    kind = error.get("type", "")
    if kind in ("json_invalid", "json_type") or (loc[:1] == ["body"] and error.get("msg") == "JSON decode error"):
        # FastAPI's own parse says what went wrong in ctx.error and where in loc: ("body", offset).
        reason = (error.get("ctx") or {}).get("error") or error.get("msg", "")
        at = f" at offset {loc[1]}" if len(loc) == 2 and loc[1].isdigit() else ""
        return f"the body is not valid JSON ({reason}{at}); send one JSON object"
    if loc == ["body"] and kind in ("model_attributes_type", "dict_type", "missing"):
        if kind == "missing":
            return "the request needs a JSON body"
        return ("the body must be a JSON object, sent with 'Content-Type: application/json'"
                if "json" not in (request.headers.get("content-type") or "") else "the body must be a JSON object")
    if kind in ("bool_parsing", "bool_type"):
        return f"{loc[-1]} takes true or false"
    if kind == "extra_forbidden":
        field = loc[-1]
        record = "/objects/" in request.url.path and (len(loc) == 2 or loc[1:2] == ["records"])
        hint = (f'; a record\'s attribute values go under "attributes": {{"{field}": ...}}' if record
                else "; see the route's body in /docs")
        return f"{where}: {field!r} is not a field here{hint}"
    return f"{where}: {error.get('msg', '')}" if where else error.get("msg", "")


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _invalid(request, list(exc.errors()))


async def _model_error(request: Request, exc: ValidationError) -> JSONResponse:
    """A model that a handler (or what it calls) validated refused the values it was given:
    they came from the request (a patch merged into the stored definition, say), so the
    caller gets a 422 naming the field, as for the request's own validation."""
    log.info("%s %s: %s refused the input: %d problems", request.method, request.url.path, exc.title,
             exc.error_count())
    return _invalid(request, exc.errors(include_url=False))


def _invalid(request: Request, found: list[Any]) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in found[:MAX_PROBLEMS]
    ]
    more = f" (and {len(found) - 1} more problems: details.errors)" if len(found) > 1 else ""
    return error_response(422, "invalid_input", f"invalid request: {_explain(request, found[0])}{more}",
                          {"errors": errors, "total": len(found)})


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return error_response(
        503, "database_unavailable", "Neo4j is not reachable; try again shortly",
        headers={"Retry-After": "2"},
    )


async def _neo4j_error(request: Request, exc: Neo4jError) -> JSONResponse:
    if timed_out(exc):  # past a time limit no route words itself (Neo4j's db.transaction.timeout, say)
        return error_response(503, "unavailable", "Neo4j did not complete this request within its time limit; "
                              "retry shortly", headers={"Retry-After": "1"})
    if over_memory_limit(exc):
        return error_response(422, "transaction_memory",
                              "this request needs more memory in Neo4j than one transaction may use "
                              "(db.memory.transaction.max); send smaller batches or narrow the request",
                              {"limit": "db.memory.transaction.max"})
    return await _unexpected(request, exc)


async def _client_gone(request: Request, exc: ClientDisconnect) -> Response:
    """The client went away (a long-poll given up): nobody reads this answer."""
    return Response(status_code=499)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "an unexpected error happened; it was logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _model_error)
    app.add_exception_handler(ServiceUnavailable, _database_unavailable)
    app.add_exception_handler(SessionExpired, _database_unavailable)
    app.add_exception_handler(ConnectionAcquisitionTimeoutError, _pool_exhausted)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Neo4jError, _neo4j_error)
    app.add_exception_handler(Exception, _unexpected)
