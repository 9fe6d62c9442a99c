"""Running and testing connectors: read what the call needs (one read transaction),
fetch every page (outside any transaction), map, write everything in one write
transaction, and keep the run's record. A run that fails at any step writes none of the
records; its record says why (``error.class``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import jmespath
from neo4j import AsyncManagedTransaction

from service.domain.connector_calls import (
    MappingError,
    RunRecord,
    TrialResult,
    bind_inputs,
    build_request,
    check_subject,
    find_records,
    map_records,
    subject_context,
)
from service.domain.connectors import ConnectorSpec
from service.domain.records import new_id
from service.domain.schema import TypeDef
from service.domain.schema_rules import require_type
from service.errors import DomainError, RunFailed
from service.fetch import FetchError, Limits, fetch, origin
from service.metrics import CONNECTOR_RUNS
from service.store.connectors import ConnectorStore
from service.store.change_log import caused_by, current_cause
from service.store.schema import load_types

Subject = tuple[str, str]  # (Person or Conversation, its id)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


class ConnectorRuns:
    def __init__(self, connectors: ConnectorStore, *, limits: Limits):
        self.connectors = connectors
        self.db = connectors.db
        self.limits = limits

    async def run(self, workspace: str, connector_id: str, subject: Subject | None,
                  inputs: dict[str, str]) -> RunRecord:
        """Fetch, map and write in one transaction; the run's record, kept in the graph."""
        await self.connectors.schema.ensure_workspace(workspace)
        record = RunRecord(id=new_id(), connector_id=connector_id, subject=subject, started_at=_now())
        try:
            spec, object_type, subject_type, request = await self._prepare(workspace, connector_id, subject, inputs)
            record.http_status, items, _ = await self._fetch_all(spec, request)
            record.counts["fetched"] = len(items)
            mapped = map_records(spec.response, object_type, items)
            if mapped.errors:
                first = mapped.errors[0]
                raise RunFailed("response_mapping_error",
                                f"{len(mapped.errors)} of {len(items)} records do not fit the mapping; "
                                f"record {first['index']}: {first['message']}")
            try:
                with caused_by(current_cause().because("connector_run", record.id)):
                    record.counts |= await self.connectors.write_fetched(
                        workspace, spec, object_type, subject_type, subject, mapped.records)
            except DomainError as exc:  # the write was refused: nothing was written
                raise RunFailed(exc.code if exc.code in ("cardinality_conflict", "schema_changed") else
                                "invalid_records", exc.message) from None
            record.status = "succeeded"
        except RunFailed as exc:  # the request itself was fine (a bad one is 4xx): the run failed
            record.failed(exc)
        record.finished_at = _now()
        CONNECTOR_RUNS.labels(record.status, record.error_class or "").inc()
        await self.connectors.keep_run(workspace, record)
        return record

    async def test(self, workspace: str, connector_id: str, subject: Subject | None,
                   inputs: dict[str, str], sample: Any = None, unsaved: ConnectorSpec | None = None) -> TrialResult:
        """Call the API (or map ``sample``, a response body given by the caller) and show
        what a run would write; writes nothing. ``unsaved``: test this spec (the console's
        form as it stands) instead of the saved connector's."""
        await self.connectors.schema.ensure_workspace(workspace)
        shown = TrialResult()
        try:
            spec, object_type, _, request = await self._prepare(workspace, connector_id, subject, inputs, unsaved)
            shown.request = {"method": request["method"], "url": request["url"], "query": request["params"]}
            if sample is not None:
                items = find_records(spec.response, sample)
            else:
                shown.http_status, items, shown.excerpt = await self._fetch_all(spec, request)
            mapped = map_records(spec.response, object_type, items)
            shown.records, shown.errors = mapped.records, mapped.errors
        except MappingError as exc:
            shown.error = {"class": "response_mapping_error", "message": str(exc)}
        except RunFailed as exc:
            shown.error = {"class": exc.error_class, "message": exc.message}
            shown.http_status = shown.http_status or exc.http_status
        return shown

    async def _prepare(self, workspace: str, connector_id: str, subject: Subject | None, inputs: dict[str, str],
                       unsaved: ConnectorSpec | None = None) -> tuple[ConnectorSpec, TypeDef, TypeDef | None,
                                                                      dict[str, Any]]:
        """The connector, its object type, the subject's type, and the request to send
        (secrets resolved). Errors about the request itself (unknown ids, inputs) are
        422/404; problems of the call are ``RunFailed``."""
        async def work(tx: AsyncManagedTransaction):
            spec = unsaved or (await self.connectors.read_in(tx, workspace, connector_id)).spec_as(ConnectorSpec)
            types = await load_types(tx, self.db, workspace)
            object_type = require_type(types, spec.object_type)
            context: dict[str, Any] = {"inputs": bind_inputs(spec, inputs)}
            subject_type = require_type(types, subject[0]) if subject is not None else None
            check_subject(spec, subject_type.name if subject_type else None)
            if subject_type is not None:
                context[subject_type.name.lower()] = subject_context(
                    *await self.connectors.subject_in(tx, workspace, types, subject_type, subject[1]))
            auth = spec.request.auth
            secret = await self.connectors.secret_in(tx, workspace, auth.secret) if auth else None
            return spec, object_type, subject_type, build_request(spec, context, secret)

        return await self.db.read(work)

    async def _fetch_all(self, spec: ConnectorSpec, request: dict[str, Any]) -> tuple[int, list[Any], str]:
        """Every page's records (up to the page and record caps, within the run's
        deadline), the last HTTP status, an excerpt."""
        deadline = self.limits.run_deadline_s
        try:
            async with asyncio.timeout(deadline):
                return await self._pages(spec, request)
        except TimeoutError:
            raise RunFailed("timeout", f"the run's pages and retries took longer than {deadline:g} s "
                                       "(REFGRAPH_CONNECTOR_RUN_DEADLINE_S)") from None

    async def _pages(self, spec: ConnectorSpec, request: dict[str, Any]) -> tuple[int, list[Any], str]:
        pagination = spec.response.pagination
        items, seen, status, excerpt = [], set(), None, ""
        pages = min(pagination.max_pages, self.limits.max_pages) if pagination else 1
        home = _origin(request["url"])
        for _ in range(pages):
            try:
                fetched = await fetch(**request, limits=self.limits)
            except FetchError as exc:
                raise RunFailed(exc.error_class, exc.message, http_status=exc.http_status) from None
            status, excerpt = fetched.status, excerpt or fetched.excerpt
            try:
                items += find_records(spec.response, fetched.body)
            except MappingError as exc:
                raise RunFailed("response_mapping_error", str(exc), http_status=status) from None
            if len(items) > self.limits.max_records:
                raise RunFailed("too_many_records", f"the remote API gave more than {self.limits.max_records:,} "
                                                    "records; a run writes at most that many "
                                                    "(REFGRAPH_CONNECTOR_MAX_RECORDS)", http_status=status)
            following = _next_request(spec, request, fetched.body, seen, home, status)
            if following is None:
                break
            request = following
        return status, items, excerpt


def _origin(url: str) -> tuple:
    try:
        return origin(url)
    except FetchError as exc:
        raise RunFailed(exc.error_class, exc.message) from None


def _next_request(spec: ConnectorSpec, request: dict[str, Any], body: Any, seen: set, home: tuple,
                  status: int) -> dict[str, Any] | None:
    """The request for the next page, or None when there is none (or it was seen)."""
    pagination = spec.response.pagination
    if pagination is None:
        return None
    if pagination.next_url:
        following = jmespath.search(pagination.next_url, body)
        if not following or following in seen:
            return None
        seen.add(following)
        try:
            same_origin = origin(str(following)) == home
        except FetchError:
            same_origin = False
        if not same_origin:
            raise RunFailed("invalid_response", f"the next page's URL ({str(following)[:200]!r}) is not on "
                                                "the connector's own scheme, host and port; pages are "
                                                "followed there only", http_status=status)
        return {**request, "url": str(following), "params": None}  # its own query
    cursor = jmespath.search(pagination.cursor, body) if pagination.cursor else None
    if cursor in (None, "") or cursor in seen:
        return None
    seen.add(cursor)
    return {**request, "params": {**request["params"], pagination.cursor_param: str(cursor)}}
