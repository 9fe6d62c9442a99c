"""The report catalogue (``cypher/reports/*.cypher`` and ``REFGRAPH_REPORTS_DIR``) and running a report: one read
transaction with a timeout, scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from neo4j import AsyncManagedTransaction, unit_of_work
from neo4j.exceptions import ClientError

from service.domain.reports import Report, ReportDefinitionError, parse_report
from service.domain.suggest import did_you_mean, suggested
from service.domain.values import to_json
from service.errors import InvalidInput, NotFound
from service.store.database import timed_out


def load_reports(root: Path, own: Path | None = None) -> dict[str, Report]:
    """The built-in reports (``root``/reports) and the operator's own, from the folder
    ``REFGRAPH_REPORTS_DIR`` names: each ``NAME.cypher`` is checked like a built-in one
    (it must use ``$workspace``), and may not take a built-in report's name."""
    reports = {path.stem: parse_report(path.stem, path.read_text())
               for path in sorted((root / "reports").glob("*.cypher"))}
    for path in sorted(own.glob("*.cypher")) if own else ():
        if path.stem in reports:
            raise ReportDefinitionError(f"{path}: a built-in report is named {path.stem!r}; rename the file")
        reports[path.stem] = parse_report(path.stem, path.read_text())
    return reports


def json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return to_json(value)


class ReportStore:
    def __init__(self, db, schema, reports: dict[str, Report], *, timeout_s: float, max_rows: int):
        self.db = db
        self.schema = schema  # SchemaStore: the workspace's built-in types exist before a report reads them
        self.reports = reports
        self.timeout_s = timeout_s
        self.max_rows = max_rows

    def get(self, name: str) -> Report:
        report = self.reports.get(name)
        if report is None:
            raise NotFound(f"no report named {name!r}{did_you_mean(name, self.reports)}", code="unknown_report",
                           details={"reports": sorted(self.reports), **suggested(name, self.reports)})
        return report

    async def _params(self, workspace: str, name: str, given: dict[str, str]) -> tuple[Report, dict[str, Any]]:
        report = self.get(name)
        params = {**report.bind(given), "workspace": workspace}
        await self.schema.ensure_workspace(workspace)
        return report, params

    async def run(self, workspace: str, name: str, given: dict[str, str]) -> dict[str, Any]:
        """``{name, columns, rows, truncated}``: at most max_rows rows, as JSON values."""
        report, params = await self._params(workspace, name, given)

        @unit_of_work(timeout=self.timeout_s, metadata={"report": report.name})
        async def work(tx: AsyncManagedTransaction):
            result = await tx.run(report.text, params)
            columns, rows = list(result.keys()), []
            async for record in result:
                if len(rows) == self.max_rows:
                    return columns, rows, True
                rows.append({key: json_value(value) for key, value in record.items()})
            return columns, rows, False

        columns, rows, truncated = await self._explained(report, self.db.read(work))
        return {"name": report.name, "columns": columns, "rows": rows, "truncated": truncated}

    async def export(self, workspace: str, name: str, given: dict[str, str],
                     write_row: Callable[[list[Any]], None], restart: Callable[[], None]) -> None:
        """Every row, the column names first, handed to ``write_row`` inside one read
        transaction with the time limit. The caller writes them somewhere local (a spooled
        file), so the transaction never waits on a slow client; ``restart`` forgets what
        was written when the driver runs the transaction again."""
        report, params = await self._params(workspace, name, given)

        @unit_of_work(timeout=self.timeout_s, metadata={"report": report.name})
        async def work(tx: AsyncManagedTransaction):
            restart()
            result = await tx.run(report.text, params)
            write_row(list(result.keys()))
            async for record in result:
                write_row([json_value(value) for value in record.values()])

        await self._explained(report, self.db.read(work))

    async def _explained(self, report: Report, awaitable):
        """Neo4j's refusals as refgraph errors (422): the time limit, by name, or what
        Neo4j refused."""
        try:
            return await awaitable
        except ClientError as exc:
            if timed_out(exc):
                raise InvalidInput(f"report {report.name} ran longer than its limit of {self.timeout_s:g} s",
                                   code="report_timeout",
                                   details={"limit": "report_timeout_s", "value": self.timeout_s}) from None
            raise InvalidInput(f"report {report.name} failed: {exc.message}", code="report_failed",
                               details={"neo4j_code": exc.code}) from None
