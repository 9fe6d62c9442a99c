"""Connectors in the graph: their definitions, their encrypted secrets, what a run reads
before it calls out, what it writes, and the runs' records. Every method is one
transaction (or a step inside the caller's); ``service/services/connector_runs.py`` orchestrates.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from service.domain.connector_calls import RunRecord
from service.domain.connectors import (
    ConnectorPatch,
    ConnectorSpec,
    check_connector,
    require_fixed_origin,
    uses,
)
from service.domain.records import ObjectWrite, TargetRef, new_id
from service.domain.saved import Saved
from service.domain.schema import TypeDef
from service.domain.schema_rules import require_type
from service.errors import Conflict, InvalidInput, NotFound, RunFailed
from service.store.database import Database
from service.store.objects import ObjectStore
from service.store.schema import load_types

USES = [
    "connectors/create", "connectors/update", "connectors/get", "connectors/list",
    "connectors/delete", "connectors/create_run", "connectors/list_runs",
    "connectors/put_secret", "connectors/list_secrets", "connectors/get_secret",
    "connectors/delete_secret",
]


class ConnectorStore:
    def __init__(self, db: Database, objects: ObjectStore, *, secrets_key: str):
        self.db = db
        self.objects = objects
        self.schema = objects.schema
        self.fernet = Fernet(secrets_key.encode())

    # ---- definitions -----------------------------------------------------------

    async def _checked(self, tx, workspace: str, spec: ConnectorSpec) -> ConnectorSpec:
        require_fixed_origin(spec.request.url)  # 422 template_error, naming request.url
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

    async def create(self, workspace: str, spec: ConnectorSpec) -> Saved:
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            checked = await self._checked(tx, workspace, spec)
            props = {**self._props(workspace, checked), "id": new_id()}
            row = await (await tx.run(self.db.queries["connectors/create"](), props=props)).single()
            return Saved.from_row(row["connector"])

        return await self._named_write(work, spec.name)

    async def update(self, workspace: str, connector_id: str, patch: ConnectorPatch) -> Saved:
        async def work(tx: AsyncManagedTransaction):
            current = (await self.read_in(tx, workspace, connector_id)).spec_as(ConnectorSpec)
            merged = ConnectorSpec.model_validate(
                {**current.model_dump(), **patch.model_dump(exclude_unset=True)})
            checked = await self._checked(tx, workspace, merged)
            row = await (await tx.run(self.db.queries["connectors/update"](), workspace=workspace,
                                      id=connector_id, props=self._props(workspace, checked))).single()
            return Saved.from_row(row["connector"])

        return await self._named_write(work, patch.name)

    async def _named_write(self, work, name: str | None):
        try:
            return await self.db.write(work)
        except ConstraintError:
            raise Conflict(f"a connector named {name!r} already exists", code="duplicate_name") from None

    async def read_in(self, tx, workspace: str, connector_id: str) -> Saved:
        row = await (await tx.run(self.db.queries["connectors/get"](), workspace=workspace,
                                  id=connector_id)).single()
        if row is None:
            raise NotFound(f"no connector with id {connector_id!r}", code="unknown_connector")
        return Saved.from_row(row["connector"])

    async def get(self, workspace: str, connector_id: str) -> Saved:
        return await self.db.read(lambda tx: self.read_in(tx, workspace, connector_id))

    async def list(self, workspace: str, *, limit: int, after: str | None) -> tuple[list[Saved], bool]:
        found, more = await self.db.read_page("connectors/list", "connector", workspace=workspace, after=after,
                                              limit=limit)
        return [Saved.from_row(row) for row in found], more

    async def delete(self, workspace: str, connector_id: str) -> None:
        rows = await self.db.write_query("connectors/delete", workspace=workspace, id=connector_id)
        if not rows[0]["deleted"]:
            raise NotFound(f"no connector with id {connector_id!r}", code="unknown_connector")

    # ---- secrets -----------------------------------------------------------------

    async def put_secret(self, workspace: str, name: str, value: str) -> bool:
        token = self.fernet.encrypt(value.encode()).decode()
        rows = await self.db.write_query("connectors/put_secret", workspace=workspace, name=name, value=token)
        return rows[0]["created"]

    async def list_secrets(self, workspace: str) -> list[dict[str, Any]]:
        return await self.db.read_query("connectors/list_secrets", workspace=workspace)

    async def delete_secret(self, workspace: str, name: str) -> None:
        rows = await self.db.write_query("connectors/delete_secret", workspace=workspace, name=name)
        if not rows[0]["deleted"]:
            raise NotFound(f"no secret named {name!r}", code="unknown_secret")

    async def secret_in(self, tx, workspace: str, name: str) -> str:
        row = await (await tx.run(self.db.queries["connectors/get_secret"](), workspace=workspace,
                                  name=name)).single()
        if row is None:
            raise RunFailed("missing_secret", f"the secret {name!r} is not set (PUT /v1/secrets/{name})")
        try:
            return self.fernet.decrypt(row["value"].encode()).decode()
        except InvalidToken:
            raise RunFailed("missing_secret", f"the secret {name!r} was encrypted with another "
                                              "REFGRAPH_SECRETS_KEY; set it again") from None

    # ---- what a run reads and writes ---------------------------------------------

    async def subject_in(self, tx, workspace: str, types: dict[str, TypeDef], type_def: TypeDef,
                         object_id: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The run's subject and, by attribute, the object each of its `one` references
        holds (what templates read: ``conversation.contact.email``)."""
        found = await self.objects.read_in(tx, workspace, type_def, [object_id])
        if not found:
            raise NotFound(f"no {type_def.name} with id {object_id!r}", code="unknown_object")
        subject, held = found[0], {}
        for name, target in subject["references"].items():
            if isinstance(target, dict):
                target_type = require_type(types, target["type"])
                for obj in await self.objects.read_in(tx, workspace, target_type, [target["id"]]):
                    held[name] = obj
        return subject, held

    async def write_fetched(self, workspace: str, spec: ConnectorSpec, object_type: TypeDef,
                            subject_type: TypeDef | None, subject: tuple[str, str] | None,
                            records: list[dict[str, Any]]) -> dict[str, int]:
        """One write: the records upserted by external id and, when the connector says so,
        the subject's reference set to exactly them. The counts for the run's record."""
        writes = [ObjectWrite.model_validate(r) for r in records]

        async def work(tx: AsyncManagedTransaction):
            counts = {"created": 0, "updated": 0, "unchanged": 0, "linked": 0}
            result = await self.objects.write_in(tx, workspace, object_type, writes, seal=False,
                                                 match_on=spec.response.match_on) if writes else None
            for created, changed in zip(result.created, result.changed) if result else ():
                counts["created" if created else "updated" if changed else "unchanged"] += 1
            if spec.update_reference is not None and subject is not None:
                ids = list(dict.fromkeys(result.ids)) if result else []
                await self.objects.write_references_in(
                    tx, workspace, subject_type, subject[1], spec.update_reference.attribute,
                    [TargetRef(id=i) for i in ids], seal=False)
                counts["linked"] = len(ids)
            await self.objects.seal(tx, workspace, object_type, *([subject_type] if subject_type else []))
            return counts

        return await self.objects.run_write(work, workspace=workspace, type_name=object_type.name, records=writes,
                                            match_on=spec.response.match_on)

    async def keep_run(self, workspace: str, record: RunRecord) -> None:
        await self.db.write_query("connectors/create_run", workspace=workspace, connector=record.connector_id,
                                 props={**record.props(), "workspace": workspace})

    async def runs(self, workspace: str, connector_id: str, *, limit: int,
                   after: str | None) -> tuple[list[RunRecord], bool]:
        await self.get(workspace, connector_id)
        found, more = await self.db.read_page("connectors/list_runs", "run", workspace=workspace,
                                              connector=connector_id, after=after, limit=limit)
        return [RunRecord.from_props(run) for run in found], more
