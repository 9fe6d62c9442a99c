"""Connectors: their definitions and secrets in the graph, testing them, and runs.

A run fetches (outside any transaction), maps, then writes everything in one write
transaction: the records upserted by external id and, when the connector says so, the
Person's or Conversation's reference attribute set to exactly the records fetched. A
run that fails at any step writes none of it; either way its record is kept
(``(:_ConnectorRun)-[:RUN_OF]->(:_Connector)``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from typing import Any

import jmespath
from cryptography.fernet import Fernet, InvalidToken
from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from service.domain.connectors import (
    ConnectorPatch,
    ConnectorSpec,
    MappingError,
    TemplateError,
    bind_inputs,
    check_connector,
    find_records,
    map_records,
    render,
    render_body,
    uses,
)
from service.domain.records import ObjectWrite, TargetRef, new_id
from service.domain.schema import TypeDef
from service.domain.schema_rules import require_type
from service.domain.data_types import rules_for
from service.domain.values import to_json
from service.errors import Conflict, DomainError, InvalidInput, NotFound
from service.fetch import FetchError, Limits, fetch, origin
from service.metrics import CONNECTOR_RUNS
from service.store.database import Database
from service.store.objects import ObjectStore
from service.store.schema import load_types

USES = [
    "connectors/create", "connectors/update", "connectors/get", "connectors/list",
    "connectors/delete", "connectors/using", "connectors/create_run", "connectors/list_runs",
    "connectors/put_secret", "connectors/list_secrets", "connectors/get_secret",
    "connectors/delete_secret", "objects/get_by_external_ids",
]


class RunFailed(Exception):
    def __init__(self, error_class: str, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.error_class, self.message, self.http_status = error_class, message, http_status


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A stored definition (connector or selector step) as the API shows it: its spec,
    id and timestamps (a connector's secrets are only named)."""
    return {"id": row["id"], **json.loads(row["spec"]),
            "created_at": to_json(row["created_at"]), "updated_at": to_json(row["updated_at"])}


class ConnectorStore:
    def __init__(self, db: Database, objects: ObjectStore, *, secrets_key: str, limits: Limits):
        self.db = db
        self.objects = objects
        self.schema = objects.schema
        self.fernet = Fernet(secrets_key.encode())
        self.limits = limits

    # ---- definitions -----------------------------------------------------------

    async def _checked(self, tx, workspace: str, spec: ConnectorSpec) -> ConnectorSpec:
        types = await load_types(tx, self.db, workspace)
        problems = check_connector(types, spec)
        if problems:
            raise InvalidInput(problems[0] if len(problems) == 1 else
                               f"{len(problems)} problems: " + "; ".join(problems),
                               code="invalid_connector", details={"problems": problems})
        canonical = require_type(types, spec.object_type).name  # the type's own spelling
        return spec.model_copy(update={"object_type": canonical})

    def _props(self, workspace: str, spec: ConnectorSpec) -> dict[str, Any]:
        return {"workspace": workspace, "name": spec.name, "description": spec.description,
                "object_type": spec.object_type, "spec": spec.model_dump_json(), "uses": uses(spec)}

    async def create(self, workspace: str, spec: ConnectorSpec) -> dict[str, Any]:
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            checked = await self._checked(tx, workspace, spec)
            props = {**self._props(workspace, checked), "id": new_id()}
            row = await (await tx.run(self.db.queries["connectors/create"](), props=props)).single()
            return public(row["connector"])

        return await self._named_write(work, spec.name)

    async def update(self, workspace: str, connector_id: str, patch: ConnectorPatch) -> dict[str, Any]:
        async def work(tx: AsyncManagedTransaction):
            current = ConnectorSpec.model_validate_json((await self.get_row(tx, workspace, connector_id))["spec"])
            merged = ConnectorSpec.model_validate(
                {**current.model_dump(), **patch.model_dump(exclude_unset=True)})
            checked = await self._checked(tx, workspace, merged)
            row = await (await tx.run(self.db.queries["connectors/update"](), workspace=workspace,
                                      id=connector_id, props=self._props(workspace, checked))).single()
            return public(row["connector"])

        return await self._named_write(work, patch.name)

    async def _named_write(self, work, name: str | None):
        try:
            return await self.db.write(work)
        except ConstraintError:
            raise Conflict(f"a connector named {name!r} already exists", code="duplicate_name") from None

    async def get_row(self, tx, workspace: str, connector_id: str) -> dict[str, Any]:
        row = await (await tx.run(self.db.queries["connectors/get"](), workspace=workspace,
                                  id=connector_id)).single()
        if row is None:
            raise NotFound(f"no connector with id {connector_id!r}", code="unknown_connector")
        return row["connector"]

    async def get(self, workspace: str, connector_id: str) -> dict[str, Any]:
        return public(await self.db.read(lambda tx: self.get_row(tx, workspace, connector_id)))

    async def list(self, workspace: str, *, limit: int, after: str | None) -> tuple[list[dict], bool]:
        rows = await self.db.read_rows("connectors/list", workspace=workspace, after=after, limit=limit + 1)
        return [public(r["connector"]) for r in rows[:limit]], len(rows) > limit

    async def delete(self, workspace: str, connector_id: str) -> None:
        rows = await self.db.write_rows("connectors/delete", workspace=workspace, id=connector_id)
        if not rows[0]["deleted"]:
            raise NotFound(f"no connector with id {connector_id!r}", code="unknown_connector")

    async def using(self, tx, workspace: str, type_name: str, attribute: str) -> list[dict[str, str]]:
        result = await tx.run(self.db.queries["connectors/using"](), workspace=workspace,
                              key=f"{type_name}.{attribute}")
        return [dict(r) async for r in result]

    # ---- secrets -----------------------------------------------------------------

    async def put_secret(self, workspace: str, name: str, value: str) -> bool:
        token = self.fernet.encrypt(value.encode()).decode()
        rows = await self.db.write_rows("connectors/put_secret", workspace=workspace, name=name, value=token)
        return rows[0]["created"]

    async def list_secrets(self, workspace: str) -> list[dict[str, Any]]:
        return await self.db.read_rows("connectors/list_secrets", workspace=workspace)

    async def delete_secret(self, workspace: str, name: str) -> None:
        rows = await self.db.write_rows("connectors/delete_secret", workspace=workspace, name=name)
        if not rows[0]["deleted"]:
            raise NotFound(f"no secret named {name!r}", code="unknown_secret")

    async def _secret(self, tx, workspace: str, name: str) -> str:
        row = await (await tx.run(self.db.queries["connectors/get_secret"](), workspace=workspace,
                                  name=name)).single()
        if row is None:
            raise RunFailed("missing_secret", f"the secret {name!r} is not set (PUT /v1/secrets/{name})")
        try:
            return self.fernet.decrypt(row["value"].encode()).decode()
        except InvalidToken:
            raise RunFailed("missing_secret", f"the secret {name!r} was encrypted with another "
                                              "REFGRAPH_SECRETS_KEY; set it again") from None

    # ---- preparing a call -----------------------------------------------------------

    async def _prepare(self, workspace: str, connector_id: str, subject: tuple[str, str] | None,
                       inputs: dict[str, str]):
        """The connector, its object type, the subject type, and the request to send
        (secrets resolved). Errors about the request itself (unknown ids, inputs) are
        422/404; problems of the call are ``RunFailed``."""
        async def work(tx: AsyncManagedTransaction):
            row = await self.get_row(tx, workspace, connector_id)
            spec = ConnectorSpec.model_validate_json(row["spec"])
            types = await load_types(tx, self.db, workspace)
            object_type = require_type(types, spec.object_type)
            subject_type, context = None, {"inputs": bind_inputs(spec, inputs)}
            if subject is not None:
                subject_type = require_type(types, subject[0])
                if spec.update_reference is not None and subject_type.name != spec.update_reference.on:
                    raise InvalidInput(f"this connector runs for a {spec.update_reference.on}: give "
                                       f"{spec.update_reference.on.lower()}_id", code="wrong_subject")
                context[subject_type.name.lower()] = await self._context(tx, workspace, types, subject_type,
                                                                         subject[1])
            elif spec.update_reference is not None:
                raise InvalidInput(f"give the {spec.update_reference.on.lower()}_id this connector runs for",
                                   code="missing_subject")
            request = spec.request
            secret = await self._secret(tx, workspace, request.auth.secret) if request.auth else None
            return spec, object_type, subject_type, self._request(spec, context, secret)

        return await self.db.read(work)

    async def _context(self, tx, workspace: str, types: dict[str, TypeDef], type_def: TypeDef,
                       object_id: str) -> dict[str, Any]:
        """The object as templates see it: id, external_id, attributes, and each `one`
        reference followed once (``conversation.contact.email``)."""
        found = await self.objects.read_in(tx, workspace, type_def, [object_id])
        if not found:
            raise NotFound(f"no {type_def.name} with id {object_id!r}", code="unknown_object")
        obj = found[0]
        context = {"id": obj["id"], "external_id": obj["external_id"], **obj["attributes"]}
        for name, target in obj["references"].items():
            if isinstance(target, dict):
                target_type = require_type(types, target["type"])
                for shown in await self.objects.read_in(tx, workspace, target_type, [target["id"]]):
                    context[name] = {"id": shown["id"], "external_id": shown["external_id"], **shown["attributes"]}
        return context

    @staticmethod
    def _request(spec: ConnectorSpec, context: dict[str, Any], secret: str | None) -> dict[str, Any]:
        r = spec.request
        try:
            headers = {k: render(v, context) for k, v in r.headers.items()}
            request = {"method": r.method, "url": render(r.url, context, url=True),
                       "params": {k: render(v, context) for k, v in r.query.items()},
                       "headers": headers, "json_body": render_body(r.body, context),
                       "timeout_s": r.timeout_s}
        except TemplateError as exc:
            raise RunFailed("template_error", str(exc)) from None
        if r.auth is not None and secret is not None:
            if r.auth.type == "bearer":
                headers["Authorization"] = f"Bearer {secret}"
            elif r.auth.type == "basic":
                headers["Authorization"] = "Basic " + base64.b64encode(f"{r.auth.username}:{secret}".encode()).decode()
            else:
                headers[r.auth.header] = secret
        # Sent to the connector's own origin only: a redirect elsewhere drops them (every
        # header the admin configured may carry a key, not only the auth one).
        request["credential_headers"] = ["Authorization", *headers]
        return request

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
        try:
            home = origin(request["url"])
        except FetchError as exc:
            raise RunFailed(exc.error_class, exc.message) from None
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
            if pagination is None:
                break
            if pagination.next_url:
                following = jmespath.search(pagination.next_url, fetched.body)
                if not following or following in seen:
                    break
                seen.add(following)
                try:
                    same_origin = origin(str(following)) == home
                except FetchError:
                    same_origin = False
                if not same_origin:
                    raise RunFailed("invalid_response", f"the next page's URL ({str(following)[:200]!r}) is not on "
                                                        "the connector's own scheme, host and port; pages are "
                                                        "followed there only", http_status=status)
                request = {**request, "url": str(following), "params": None}  # its own query
            elif pagination.cursor:
                cursor = jmespath.search(pagination.cursor, fetched.body)
                if cursor in (None, "") or cursor in seen:
                    break
                seen.add(cursor)
                request = {**request, "params": {**request["params"], pagination.cursor_param: str(cursor)}}
        return status, items, excerpt

    # ---- test and run ----------------------------------------------------------------

    async def test(self, workspace: str, connector_id: str, subject: tuple[str, str] | None,
                   inputs: dict[str, str], sample: Any = None) -> dict[str, Any]:
        """Call the API (or map ``sample``, a response body given by the caller) and show
        what a run would write; writes nothing."""
        await self.schema.ensure_workspace(workspace)
        shown: dict[str, Any] = {"request": None, "http_status": None, "excerpt": None,
                                 "records": [], "errors": [], "error": None}
        try:
            spec, object_type, _, request = await self._prepare(workspace, connector_id, subject, inputs)
            shown["request"] = {"method": request["method"], "url": request["url"], "query": request["params"]}
            if sample is not None:
                items = find_records(spec.response, sample)
            else:
                shown["http_status"], items, shown["excerpt"] = await self._fetch_all(spec, request)
            mapped = map_records(spec.response, object_type, items)
            shown["records"], shown["errors"] = mapped.records, mapped.errors
        except MappingError as exc:
            shown["error"] = {"class": "response_mapping_error", "message": str(exc)}
        except RunFailed as exc:
            shown["error"] = {"class": exc.error_class, "message": exc.message}
            shown["http_status"] = shown["http_status"] or exc.http_status
        return shown

    async def run(self, workspace: str, connector_id: str, subject: tuple[str, str] | None,
                  inputs: dict[str, str]) -> dict[str, Any]:
        """Fetch, map and write in one transaction; the run record, kept in the graph."""
        await self.schema.ensure_workspace(workspace)
        started = _now()
        record = {"id": new_id(), "connector_id": connector_id, "status": "failed",
                  "subject_type": subject[0] if subject else None, "subject_id": subject[1] if subject else None,
                  "http_status": None, "fetched": 0, "created": 0, "updated": 0, "unchanged": 0,
                  "linked": 0, "error_class": None, "error_message": None}
        try:
            spec, object_type, subject_type, request = await self._prepare(workspace, connector_id, subject, inputs)
            record["http_status"], items, _ = await self._fetch_all(spec, request)
            record["fetched"] = len(items)
            mapped = map_records(spec.response, object_type, items)
            if mapped.errors:
                first = mapped.errors[0]
                raise RunFailed("response_mapping_error",
                                f"{len(mapped.errors)} of {len(items)} records do not fit the mapping; "
                                f"record {first['index']}: {first['message']}")
            try:
                record |= await self._write(workspace, spec, object_type, subject_type, subject, mapped.records)
            except DomainError as exc:  # the write was refused: nothing was written
                raise RunFailed(exc.code if exc.code in ("cardinality_conflict", "schema_changed") else
                                "invalid_records", exc.message) from None
            record["status"] = "succeeded"
        except RunFailed as exc:  # the request itself was fine (a bad one is 4xx): the run failed
            record |= {"error_class": exc.error_class, "error_message": exc.message}
            record["http_status"] = record["http_status"] or exc.http_status
        record |= {"started_at": started, "finished_at": _now(), "workspace": workspace}
        CONNECTOR_RUNS.labels(record["status"], record["error_class"] or "").inc()
        await self.db.write_rows("connectors/create_run", workspace=workspace, connector=connector_id,
                                 props=record)
        return run_public(record)

    async def _write(self, workspace: str, spec: ConnectorSpec, object_type: TypeDef,
                     subject_type: TypeDef | None, subject: tuple[str, str] | None,
                     records: list[dict[str, Any]]) -> dict[str, int]:
        writes = [ObjectWrite.model_validate(r) for r in records]

        async def work(tx: AsyncManagedTransaction):
            before = await self._existing(tx, workspace, object_type, [w.external_id for w in writes])
            counts = {"created": 0, "updated": 0, "unchanged": 0, "linked": 0}
            result = await self.objects.write_in(tx, workspace, object_type, writes, seal=False) if writes else None
            for write, created in zip(writes, result.created if result else []):
                if created:
                    counts["created"] += 1
                elif _same(object_type, before.get(write.external_id, {}), write):
                    counts["unchanged"] += 1
                else:
                    counts["updated"] += 1
            if spec.update_reference is not None and subject is not None:
                ids = list(dict.fromkeys(result.ids)) if result else []
                await self.objects.write_references_in(
                    tx, workspace, subject_type, subject[1], spec.update_reference.attribute,
                    [TargetRef(id=i) for i in ids], seal=False)
                counts["linked"] = len(ids)
            await self.objects.seal(tx, workspace, object_type, *([subject_type] if subject_type else []))
            return counts

        return await self.objects.run_write(work)

    async def _existing(self, tx, workspace: str, type_def: TypeDef, external_ids: list[str]) -> dict[str, dict]:
        result = await tx.run(self.db.queries["objects/get_by_external_ids"](Label=type_def.name),
                              workspace=workspace, external_ids=external_ids)
        return {r["node"]["external_id"]: r["node"] async for r in result}

    async def runs(self, workspace: str, connector_id: str, *, limit: int,
                   after: str | None) -> tuple[list[dict], bool]:
        await self.db.read(lambda tx: self.get_row(tx, workspace, connector_id))
        rows = await self.db.read_rows("connectors/list_runs", workspace=workspace, connector=connector_id,
                                       after=after, limit=limit + 1)
        return [run_public(r["run"]) for r in rows[:limit]], len(rows) > limit


def _same(type_def: TypeDef, stored: dict[str, Any], write: ObjectWrite) -> bool:
    """The stored object already holds the values the record brings."""
    for name, value in write.attributes.items():
        try:
            new = to_json(rules_for(type_def.attributes[name].data_type).to_graph(value))
        except ValueError:
            return False
        if to_json(stored.get(name)) != new:
            return False
    return True


def run_public(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"], "connector_id": record["connector_id"], "status": record["status"],
        "subject": ({"type": record["subject_type"], "id": record["subject_id"]}
                    if record.get("subject_type") else None),
        "http_status": record.get("http_status"),
        **{k: record.get(k) or 0 for k in ("fetched", "created", "updated", "unchanged", "linked")},
        "error": ({"class": record["error_class"], "message": record["error_message"]}
                  if record.get("error_class") else None),
        "started_at": to_json(record.get("started_at")), "finished_at": to_json(record.get("finished_at")),
    }
