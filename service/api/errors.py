"""Every error leaves the API in one shape:
``{"error": {"code": "...", "message": "...", "details": ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from service.domain.records import MAX_PROBLEMS
from service.errors import DomainError
from service.store.database import over_memory_limit

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
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return error_response(exc.status_code, exc.code, exc.message, exc.details, headers)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and exc.detail == "Not Found":
        message = f"no route {request.method} {request.url.path}"
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    found = exc.errors()
    errors = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in found[:MAX_PROBLEMS]
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:10])
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    return error_response(422, "invalid_input", f"invalid request: {fields}{more}",
                          {"errors": errors, "total": len(found)})


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return error_response(
        503, "database_unavailable", "Neo4j is not reachable; try again shortly",
        headers={"Retry-After": "2"},
    )


async def _neo4j_error(request: Request, exc: Neo4jError) -> JSONResponse:
    if over_memory_limit(exc):
        return error_response(422, "transaction_memory",
                              "this request needs more memory in Neo4j than one transaction may use "
                              "(db.memory.transaction.max); send smaller batches or narrow the request",
                              {"limit": "db.memory.transaction.max"})
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "an unexpected error happened; it was logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ServiceUnavailable, _database_unavailable)
    app.add_exception_handler(SessionExpired, _database_unavailable)
    app.add_exception_handler(Neo4jError, _neo4j_error)
    app.add_exception_handler(Exception, _unexpected)
