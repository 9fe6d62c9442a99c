"""Types and attributes, kept in the graph per workspace:

    (:_Workspace)-[:HAS_TYPE]->(:_Type)-[:HAS_ATTRIBUTE]->(:_Attribute)
    (:_Attribute)-[:TARGETS]->(:_Type)        a reference's target type
    (:_Attribute)-[:INVERSE_OF]->(:_Attribute)

A schema change locks its workspace node, re-reads the schema and checks the rules
inside one write transaction, so concurrent changes cannot both pass a check.
Constraints for new labels and relationship types are created first, in their own
schema transactions (Neo4j does not mix schema and data changes); they are
idempotent, so a change that fails afterwards leaves only a harmless constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from service.domain import schema_rules
from service.domain.builtins import BUILTINS
from service.domain.events import edits_of, schema_changed
from service.domain.schema import (
    AttributeCreate,
    AttributeDef,
    TypeCreate,
    TypeDef,
)
from service.errors import Conflict, InvalidInput, NotFound
from service.store.attribute_values import (
    drop_unused_index,
    ensure_constraints,
    ensure_indexes,
)
from service.store.database import Database
from service.store.change_log import change_log
from service.store.schema_rows import attribute_props, type_from_row

USES = [
    "schema/lock_workspace", "schema/mark_builtins", "schema/load_types", "schema/create_type",
    "schema/schema_version", "schema/create_attribute", "schema/link_inverse", "schema/update_type",
    "schema/delete_type", "schema/count_objects", "schema/create_id_constraint",
    "schema/create_external_id_constraint", "references/create_source_one_constraint",
    "references/create_target_one_constraint", "schema/lock_all_objects", "schema/lock_type",
]


@dataclass(frozen=True)
class Quotas:
    max_types: int = 50
    max_attributes: int = 100


async def load_types(tx: AsyncManagedTransaction, db: Database, workspace: str,
                     name: str | None = None) -> dict[str, TypeDef]:
    result = await tx.run(db.queries["schema/load_types"](), workspace=workspace,
                          key=name.lower() if name else None)
    return {row["type"]["key"]: type_from_row(row) async for row in result}


async def read_type(tx: AsyncManagedTransaction, db: Database, workspace: str, name: str) -> TypeDef:
    found = await load_types(tx, db, workspace, name)
    if not found:  # every type, read only to say which one was meant
        found = await load_types(tx, db, workspace)
    return schema_rules.require_type(found, name)


async def lock_all_objects(tx, db: Database, workspace: str, *labels: str) -> None:
    """Every object of these types in the workspace, locked in one order (label order)."""
    for label in sorted(set(labels)):
        await tx.run(db.queries["schema/lock_all_objects"](Label=label), workspace=workspace)


async def lock_types(tx, db: Database, workspace: str, *type_names: str | None) -> None:
    """Wait for these types' writers in flight to commit, and make later ones re-check
    (``schema/lock_type``). Taken after any object locks and in one order, as writers
    seal (``ObjectStore.seal``)."""
    for name in sorted({n.lower() for n in type_names if n}):
        await tx.run(db.queries["schema/lock_type"](), workspace=workspace, type=name)


class SchemaStore:
    def __init__(self, db: Database, quotas: Quotas = Quotas()):
        self.db = db
        self.quotas = quotas
        self._ready_workspaces: set[str] = set()
        self._cached: dict[str, tuple[int, dict[str, TypeDef]]] = {}  # workspace -> (version, types)

    # ---- reads -----------------------------------------------------------------

    async def list_types(self, workspace: str) -> list[TypeDef]:
        await self.ensure_workspace(workspace)
        return list((await self.db.read(lambda tx: load_types(tx, self.db, workspace))).values())

    async def get_type(self, workspace: str, name: str) -> TypeDef:
        await self.ensure_workspace(workspace)
        return await self.db.read(lambda tx: read_type(tx, self.db, workspace, name))

    async def types_with_counts(self, workspace: str) -> tuple[list[TypeDef], dict[str, int]]:
        """The workspace's types and how many objects each has (the console's list)."""
        await self.ensure_workspace(workspace)

        async def work(tx):
            types = await load_types(tx, self.db, workspace)
            return list(types.values()), {t.name: await self._count(tx, workspace, t.name) for t in types.values()}

        return await self.db.read(work)

    def cached_types(self, workspace: str) -> tuple[int | None, dict[str, TypeDef] | None]:
        """The types last read for a workspace and their schema version, if any: a read
        that checks the version in its own query can use them without reading the schema."""
        return self._cached.get(workspace, (None, None))

    async def planned(self, tx, workspace: str, plan, run):
        """Plan with the workspace's cached types, then run the plan's query in ``tx``: the
        common case is that one query. ``plan(types)`` refusing (InvalidInput, NotFound)
        with cached types plans again with types read now; ``run(planned)`` answers (its
        result, the schema version its query saw, or None); a version other than the one
        planned with: read the types again and start over. (planned, result)."""
        version, types = self.cached_types(workspace)
        fresh = types is None
        if fresh:
            version, types = await self.current_types(tx, workspace)
        while True:
            try:
                planned = plan(types)
            except (InvalidInput, NotFound):
                if fresh:
                    raise
                fresh, (version, types) = True, await self.current_types(tx, workspace)
                continue  # perhaps the schema changed since it was cached: plan again
            result, seen = await run(planned)
            if seen is None or seen == version:
                return planned, result
            fresh, (version, types) = True, await self.current_types(tx, workspace)

    async def current_types(self, tx: AsyncManagedTransaction, workspace: str) -> tuple[int, dict[str, TypeDef]]:
        """The workspace's types and schema version, read in ``tx``, and cached."""
        row = await (await tx.run(self.db.queries["schema/schema_version"](), workspace=workspace)).single()
        version = row["version"] if row else 0
        types = await load_types(tx, self.db, workspace)
        self._cached[workspace] = (version, types)
        return version, types

    # ---- the workspace and its built-in types ---------------------------------------

    async def ensure_workspace(self, workspace: str) -> None:
        if workspace in self._ready_workspaces:
            return

        async def work(tx: AsyncManagedTransaction) -> None:
            row = await (await tx.run(self.db.queries["schema/lock_workspace"](),
                                      workspace=workspace)).single()
            if row["builtins"]:
                return
            types = await load_types(tx, self.db, workspace)
            for spec in BUILTINS:
                if spec.name.lower() not in types:
                    new, planned = schema_rules.plan_type(  # built-ins count toward no quota
                        types, spec, max_types=self.quotas.max_types,
                        max_attributes=1_000_000, builtin=True,
                    )
                    await self._write_type(tx, workspace, new, planned, types)
                    types = await load_types(tx, self.db, workspace)
            await tx.run(self.db.queries["schema/mark_builtins"](), workspace=workspace)

        await self.db.write(work)
        self._ready_workspaces.add(workspace)

    # ---- changes -----------------------------------------------------------------

    async def _ensure_constraints(self, labels: set[str], definitions: list[AttributeDef]) -> None:
        q = self.db.queries
        statements = []
        for label in sorted(labels):
            statements += [q["schema/create_id_constraint"].query(Label=label),
                           q["schema/create_external_id_constraint"].query(Label=label),
                           q["schema/create_workspace_id_index"].query(Label=label)]
        for rel in sorted({d.rel_type for d in definitions if d.is_reference}):
            statements += [q["references/create_source_one_constraint"].query(Rel=rel),
                           q["references/create_target_one_constraint"].query(Rel=rel)]
        async with self.db.session() as session:
            for statement in statements:
                await (await session.run(statement)).consume()
        await ensure_constraints(self.db, definitions)

    async def _write_type(self, tx, workspace: str, new: TypeDef,
                          planned: list[AttributeDef], types: dict[str, TypeDef]) -> None:
        q = self.db.queries
        props = {"workspace": workspace, "name": new.name, "key": new.name.lower(),
                 "label": new.label, "description": new.description, "builtin": new.builtin}
        await tx.run(q["schema/create_type"](), workspace=workspace, props=props)
        if not new.builtin:  # a workspace's built-ins come with it: no event
            schema_changed(change_log(), workspace, "type.created", new.name)
        await self._write_attributes(tx, workspace, planned, types, record=not new.builtin)

    async def _write_attributes(self, tx, workspace: str, planned: list[AttributeDef],
                                types: dict[str, TypeDef], *, record: bool = True) -> None:
        q = self.db.queries
        positions: dict[str, int] = {}
        for definition in planned:
            key = definition.type.lower()
            existing = len(types[key].attributes) if key in types else 0
            positions[key] = positions.get(key, existing) + 1
            await tx.run(q["schema/create_attribute"](), workspace=workspace,
                         props=attribute_props(workspace, definition, positions[key]))
            if record:
                schema_changed(change_log(), workspace, "attribute.created", definition.type,
                               attribute=definition.name)
        for definition in planned:
            if definition.inverse_name and definition.direction == "out":
                for a, b in ((definition, definition.inverse()), (definition.inverse(), definition)):
                    await tx.run(q["schema/link_inverse"](), workspace=workspace,
                                 type=a.type, name=a.name, inverse_type=b.type,
                                 inverse_name=b.name)

    async def create_type(self, workspace: str, spec: TypeCreate) -> TypeDef:
        await self.ensure_workspace(workspace)
        # Check once outside the transaction to know which constraints to create ...
        types = await self.db.read(lambda tx: load_types(tx, self.db, workspace))
        new, planned = schema_rules.plan_type(
            types, spec, max_types=self.quotas.max_types, max_attributes=self.quotas.max_attributes)
        await self._ensure_constraints({new.name}, planned)

        async def work(tx: AsyncManagedTransaction) -> TypeDef:
            await tx.run(self.db.queries["schema/lock_workspace"](), workspace=workspace)
            # ... and again under the workspace lock, where it counts.
            current = await load_types(tx, self.db, workspace)
            new, planned = schema_rules.plan_type(
                current, spec, max_types=self.quotas.max_types,
                max_attributes=self.quotas.max_attributes)
            await self._write_type(tx, workspace, new, planned, current)
            return await read_type(tx, self.db, workspace, new.name)

        created = await self._write_schema(work)
        await ensure_indexes(self.db, list(created.attributes.values()))
        return created

    async def add_attribute(self, workspace: str, type_name: str,
                            spec: AttributeCreate) -> AttributeDef:
        await self.ensure_workspace(workspace)
        types = await self.db.read(lambda tx: load_types(tx, self.db, workspace))
        schema_rules.require_type(types, type_name)
        planned = schema_rules.plan_attribute(types, type_name, spec,
                                              max_attributes=self.quotas.max_attributes)
        await self._ensure_constraints(set(), planned)

        async def work(tx: AsyncManagedTransaction) -> AttributeDef:
            await tx.run(self.db.queries["schema/lock_workspace"](), workspace=workspace)
            current = await load_types(tx, self.db, workspace)
            schema_rules.require_type(current, type_name)
            planned = schema_rules.plan_attribute(current, type_name, spec,
                                                  max_attributes=self.quotas.max_attributes)
            if spec.required and not planned[0].is_reference:
                await lock_types(tx, self.db, workspace, type_name)
                await self._refuse_required_on_existing(tx, workspace, current[type_name.lower()])
            await self._write_attributes(tx, workspace, planned, current)
            owner = await read_type(tx, self.db, workspace, type_name)
            return owner.attributes[spec.name]

        added = await self._write_schema(work)
        await ensure_indexes(self.db, [added])
        return added

    async def _refuse_required_on_existing(self, tx, workspace: str, owner: TypeDef) -> None:
        count = await self._count(tx, workspace, owner.name)
        if count:
            raise Conflict(
                f"{owner.name} has {count} objects without a value for the new required "
                "attribute; add it as optional, fill it, then make it required",
                code="required_attribute_on_existing_objects", details={"objects": count},
            )

    async def _count(self, tx, workspace: str, label: str) -> int:
        row = await (await tx.run(self.db.queries["schema/count_objects"](Label=label),
                                  workspace=workspace)).single()
        return row["count"]

    async def _write_schema(self, work):
        try:
            return await self.db.write(work)
        except ConstraintError as exc:  # a concurrent change won a uniqueness race
            raise Conflict("a concurrent schema change conflicts with this one; retry",
                           code="schema_conflict") from exc

    async def update_type(self, workspace: str, name: str, changes: dict[str, Any]) -> TypeDef:
        await self.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction) -> TypeDef:
            current = await read_type(tx, self.db, workspace, name)
            if changes.get("name") not in (None, current.name):
                raise InvalidInput(
                    f"type names are immutable: {current.name!r} cannot be renamed",
                    code="immutable_name", details={"field": "name"},
                )
            editable = {k: v for k, v in changes.items() if k in ("label", "description")}
            if editable:
                await tx.run(self.db.queries["schema/update_type"](), workspace=workspace,
                             type=current.name, changes=editable)
                schema_changed(change_log(), workspace, "type.updated", current.name,
                               changes=edits_of(current, editable))
            return await read_type(tx, self.db, workspace, current.name)

        return await self.db.write(work)

    async def delete_type(self, workspace: str, name: str) -> None:
        await self.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction) -> None:
            await tx.run(self.db.queries["schema/lock_workspace"](), workspace=workspace)
            types = await load_types(tx, self.db, workspace)
            current = schema_rules.require_type(types, name)
            if current.builtin:
                raise Conflict(f"{current.name} is built in and cannot be deleted",
                               code="builtin_type")
            await lock_types(tx, self.db, workspace, current.name)  # no write of it commits after the count
            count = await self._count(tx, workspace, current.name)
            if count:
                raise Conflict(f"{current.name} still has {count} objects; delete them first",
                               code="type_in_use", details={"objects": count})
            users = [f"{t.name}.{a.name}" for t in types.values() if t.name != current.name
                     for a in t.attributes.values()
                     if a.is_reference and a.target == current.name and a.inverse_name is None]
            if users:
                raise Conflict(f"{current.name} is the target of {', '.join(users)}; "
                               "delete those attributes first", code="type_in_use",
                               details={"attributes": users})
            await tx.run(self.db.queries["schema/delete_type"](), workspace=workspace,
                         type=current.name)
            log = change_log()
            schema_changed(log, workspace, "type.deleted", current.name)
            for attribute in current.attributes.values():  # the inverses other types held go too
                if attribute.is_reference and attribute.inverse_name and attribute.target != current.name:
                    schema_changed(log, workspace, "attribute.deleted", attribute.target,
                                   attribute=attribute.inverse_name)
            return current

        deleted = await self.db.write(work)
        for attribute in deleted.attributes.values():
            if attribute.indexed:
                await drop_unused_index(self.db, deleted.name, attribute.name)
