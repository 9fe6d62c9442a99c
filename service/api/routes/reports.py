"""GET /v1/reports and /v1/reports/{name}: named read-only Cypher reports."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from service.api.admission import admitted
from service.api.client_gone import until_disconnected
from service.api.deps import Workspace
from service.api.errors import responses
from service.api.pagination import Cursor, Limit, Page, page_by_name
from service.api.query_params import open_query
from service.domain.reports import Report, csv_cell

router = APIRouter(prefix="/reports", tags=["reports"])
# A CSV report is written whole before it is sent (Neo4j's transaction ends first, so a slow
# download holds no connection): in memory up to this size, then in a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
CHUNK = 64 * 1024


class ReportParamPublic(BaseModel):
    name: str
    type: str
    required: bool
    default: Any
    description: str


class ReportPublic(BaseModel):
    name: str
    title: str
    description: str
    params: list[ReportParamPublic]


class ReportResult(BaseModel):
    name: str
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


def _public(report: Report) -> ReportPublic:
    return ReportPublic(name=report.name, title=report.title, description=report.description, params=[
        ReportParamPublic(name=p.name, type=p.data_type.value, required=p.required,
                          default=p.default, description=p.description) for p in report.params])


@router.get("", response_model=Page[ReportPublic])
async def list_reports(request: Request, workspace: Workspace, limit: Limit = 100, cursor: Cursor = None):
    reports = sorted(request.app.state.reports.reports.values(), key=lambda r: r.name.lower())
    return page_by_name(reports, limit, cursor, _public)


@router.get("/{name}", response_model=ReportResult, responses={
    **responses(404, 422), 200: {"content": {"text/csv": {}}, "description": "rows as JSON or CSV"}})
@open_query()  # the report checks its own parameters
async def run_report(request: Request, workspace: Workspace, name: str,
                     format: Literal["json", "csv"] = Query("json", description="json, or csv (every row)")):
    given = {k: v for k, v in request.query_params.items() if k != "format"}
    store = request.app.state.reports
    async with admitted(request, "report"):
        work = store.run(workspace, name, given) if format == "json" else csv_download(store, workspace, name, given)
        return await until_disconnected(request, work)


async def csv_download(store, workspace: str, name: str, given: dict[str, str]) -> StreamingResponse:
    """Every row of the report as CSV: written whole to a spooled file inside the read
    transaction, then sent however slowly it is read. Text a spreadsheet would run as a
    formula is quoted (``csv_cell``). A refusal (an unknown report, a bad
    parameter) is raised before anything is sent."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b")
    try:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)

        def restart() -> None:
            spool.seek(0)
            spool.truncate()

        await store.export(workspace, name, given,
                           lambda row: writer.writerow([csv_cell(v) for v in row]), restart)
        text.detach()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(_chunks(spool), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{store.get(name).name}.csv"'})


async def _chunks(spool) -> AsyncIterator[bytes]:
    """The spooled CSV, a chunk at a time, however slowly the client reads it."""
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()
