"""The console's reports: the list with each report's parameters, a report's page with a
form for its parameters and the result as a table, and the same result as a CSV download.
Running a report is a read (any token); it goes through the report store the API uses, so
the values travel to Neo4j as typed parameters, never as query text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from service.console.kit import admitted_page, not_found, page, session_of, to_sign_in
from service.api.routes.reports import csv_download
from service.console.session import Session
from service.domain.reports import Report
from service.errors import DomainError, NotFound

router = APIRouter(prefix="/console", include_in_schema=False)
PREFIX = "p."  # a parameter's form field: its name cannot clash with the page's own (``run``)


def given_of(request: Request) -> dict[str, str]:
    """The parameters the form filled in (an empty field: the report's default)."""
    return {k.removeprefix(PREFIX): v.strip() for k, v in request.query_params.items()
            if k.startswith(PREFIX) and v.strip()}


def cell(value: Any) -> str:
    """A value as the table shows it: text as is, anything else as JSON, nothing for null."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def param_errors(report: Report, exc: DomainError) -> dict[str, str]:
    """The report's refusal as errors by parameter (each problem starts with the name it
    concerns); the rest (an unknown parameter, a time limit) above the button."""
    details = exc.details if isinstance(exc.details, dict) else {}
    errors: dict[str, str] = {}
    for problem in details.get("problems") or [exc.message]:
        field = next((p.name for p in report.params if problem.startswith(p.name + " ")), "form")
        errors[field] = "; ".join(filter(None, [errors.get(field), problem]))
    return errors


@router.get("/reports")
async def reports_page(request: Request):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    reports = sorted(request.app.state.reports.reports.values(), key=lambda r: r.name.lower())
    return await page(request, "reports.html", {
        "title": "Reports", "session": session, "reports": reports, "cell": cell})


async def _report_page(request: Request, session: Session, name: str, given: dict[str, str], *, run: bool,
                       errors=None, status_code: int = 200):
    store = request.app.state.reports
    try:
        report = store.get(name)
    except DomainError as exc:
        return await not_found(request, exc)
    result, errors = None, dict(errors or {})
    if run and not errors:
        try:
            async with admitted_page(request, session, "report"):
                result = await store.run(session.caller.workspace, report.name, given)
        except DomainError as exc:
            errors, status_code = param_errors(report, exc), 422
    query = urlencode({PREFIX + k: v for k, v in given.items()})
    return await page(request, "report.html", {
        "title": report.title, "session": session, "report": report, "given": given, "result": result,
        "csv_url": f"/console/reports/{report.name}/csv" + (f"?{query}" if query else ""), "cell": cell,
        "prefix": PREFIX, "errors": errors}, status_code=status_code)


@router.get("/reports/{name}")
async def report_page(request: Request, name: str, run: str | None = None):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    return await _report_page(request, session, name, given_of(request), run=run is not None)


@router.get("/reports/{name}/csv")
async def report_csv(request: Request, name: str):
    """Every row as CSV, as ``GET /v1/reports/{name}?format=csv`` answers it: written whole
    to a spooled file inside the read transaction, then sent however slowly it is read."""
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    given = given_of(request)
    try:
        async with admitted_page(request, session, "report"):
            return await csv_download(request.app.state.reports, session.caller.workspace, name, given)
    except NotFound as exc:
        return await not_found(request, exc)
    except DomainError as exc:
        report = request.app.state.reports.get(name)
        return await _report_page(request, session, name, given, run=False, errors=param_errors(report, exc),
                                  status_code=422)
