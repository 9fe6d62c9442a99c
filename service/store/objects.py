"""Instances: create-or-update by external id (one or a batch, all-or-nothing in one
transaction), read, list, patch and delete with each reference's ``on_delete``.

Nodes carry the type's label and ``workspace``, ``id``, ``external_id``,
``created_at``, ``updated_at``, ``external_created_at``, ``external_updated_at`` and one
property per attribute value.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ClientError, ConstraintError

from service.domain.events import object_written, ref
from service.domain.objects import object_view
from service.domain.records import (
    CheckedRecord,
    ObjectPatch,
    ObjectWrite,
    Problem,
    RecordChecker,
    TargetRef,
    check_record,
    check_required,
    matched_records,
    new_ids,
    one_pass_attribute,
    refusal,
    repeated_unique_values,
)
from service.domain.repeats import fold_repeats
from service.domain.schema import TypeDef
from service.domain.schema_rules import check_expand, reference_attribute, require_type
from service.errors import (
    CardinalityConflict,
    Conflict,
    InvalidInput,
    NotFound,
    UniqueViolation,
)
from service.metrics import WRITE_RERUNS
from service.store.attribute_values import unique_holders
from service.store.database import Bulk, Database
from service.store.deletes import cascade, delete_objects
from service.store.change_log import change_log
from service.store.one_pass import ingest_linked, merging_every_row
from service.store.record_references import lookup, write_record_references
from service.store.references import reference_counts, shown_target, targets_page
from service.store.schema import load_types, read_type
from service.store.write_result import (
    InsertRefused,
    ReadChanged,
    SchemaChanged,
    WriteResult,
)

USES = ["objects/find_by_external_ids", "objects/upsert", "objects/create", "objects/update_by_id", "objects/get",
        "objects/list", "objects/resolve_ids", "objects/delete", "objects/list_referencing", "objects/seal",
        "objects/upsert_on"]
MAX_EXPANDED = 100  # `many` targets shown inline with expand=; GET .../references/{attribute} pages the rest


class ObjectStore:
    def __init__(self, db: Database, schema):
        self.db = db
        self.schema = schema  # SchemaStore: makes sure the workspace has its built-ins

    # ---- writes ----------------------------------------------------------------

    async def write(self, workspace: str, type_name: str, records: list[ObjectWrite], *,
                    match_on: str | None = None) -> tuple[TypeDef, WriteResult]:
        """Create or update ``records`` (by external id, or by the value of the unique
        attribute ``match_on``) in one transaction."""
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            type_def = await read_type(tx, self.db, workspace, type_name)
            return type_def, await self.write_in(tx, workspace, type_def, records, match_on=match_on)

        return await self.run_write(work, workspace=workspace, type_name=type_name, records=records,
                                    match_on=match_on)

    async def write_in(self, tx, workspace: str, type_def: TypeDef, records: list[ObjectWrite], *,
                       seal: bool = True, match_on: str | None = None) -> WriteResult:
        """``write`` inside the caller's transaction (a connector run's single write;
        ``seal=False`` when the caller seals every type it wrote at its end)."""
        link = one_pass_attribute(type_def, records) if match_on is None else None
        if link is not None:
            fast = await ingest_linked(tx, self.db, workspace, type_def, link, records)
            if seal and any(fast.changed):  # nothing written: no schema change can undo it
                await self.seal(tx, workspace, type_def)
            return fast
        problems: list[Problem] = []
        checked = RecordChecker(type_def).check_all(records, problems)
        if match_on is not None:
            problems += matched_records(type_def, match_on, checked)
        folded = None if problems else fold_repeats(checked, match_on and type_def.attributes[match_on].unique_key)
        checked = folded.records if folded else checked  # an object named twice: one record, later values win
        if not problems:
            problems += repeated_unique_values(type_def, checked, match_on)
        if problems:
            raise refusal(problems)
        result = await self._upsert(tx, workspace, type_def, checked, match_on)
        await write_record_references(tx, self.db, workspace, type_def, checked, result.ids, result.created)
        if seal:
            await self.seal(tx, workspace, type_def)
        return result if folded is None else WriteResult(*folded.spread(result.ids, result.created, result.changed))

    async def seal(self, tx, workspace: str, *type_defs: TypeDef) -> None:
        """The last statements of a write of these types' objects (in one order, as schema
        changes lock them): a schema change of one that committed meanwhile (deleted it,
        made an attribute required) rolls the write back (``SchemaChanged``: ``run_write``
        runs it again; or ``NotFound`` for a type that is gone)."""
        for type_def in sorted({t.name.lower(): t for t in type_defs}.values(), key=lambda t: t.name.lower()):
            try:
                row = await (await tx.run(self.db.queries["objects/seal"](), workspace=workspace,
                                          key=type_def.name.lower())).single()
            except ClientError as exc:
                if "EntityNotFound" not in (exc.code or ""):
                    raise
                row = {"exists": False}
            if not row["exists"]:
                raise NotFound(f"the type {type_def.name} was deleted while this write ran; nothing was written",
                               code="unknown_type")
            if row["version"] != type_def.version:
                raise SchemaChanged(type_def.name)

    async def write_references_in(self, tx, workspace: str, type_def: TypeDef, object_id: str,
                                  attribute: str, targets: list[TargetRef], *, mode: str = "replace",
                                  reassign: bool = False, seal: bool = True) -> None:
        """One object's reference ``attribute``: its targets replaced by (or added to)
        ``targets``, inside the caller's transaction, with the usual locks and checks."""
        record = CheckedRecord(index=0, external_id=None, props={},
                               references={attribute: targets}, reassign=reassign)
        await write_record_references(tx, self.db, workspace, type_def, [record], [object_id], mode=mode)
        if seal:
            await self.seal(tx, workspace, type_def)

    async def patch(self, workspace: str, type_name: str, object_id: str,
                    patch: ObjectPatch) -> TypeDef:
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            type_def = await read_type(tx, self.db, workspace, type_name)
            problems: list[Problem] = []
            record = check_record(type_def, patch, 0, problems)
            if problems:
                raise refusal(problems)
            row = await (await tx.run(self.db.queries["objects/update_by_id"](Label=type_def.name),
                                      workspace=workspace, id=object_id, props=record.props)).single()
            if row is None:
                raise NotFound(f"no {type_def.name} with id {object_id!r}", code="unknown_object")
            object_written(change_log(), workspace, ref(type_def.name, object_id, row["external_id"]), created=False,
                           before=row["before"], props=record.props)
            await write_record_references(tx, self.db, workspace, type_def, [record], [object_id])
            await self.seal(tx, workspace, type_def)
            return type_def

        return await self.run_write(work, workspace=workspace, type_name=type_name, records=[patch],
                                    object_id=object_id)

    async def run_write(self, work, *, workspace: str | None = None, type_name: str | None = None,
                        records: list[ObjectWrite | ObjectPatch] = (), object_id: str | None = None,
                        match_on: str | None = None):
        """``work`` in a write transaction; run again (twice at most) when a schema change
        of its type committed meanwhile, so it is checked against the new definition, or
        something else it read changed before it held its locks (``ReadChanged``).
        A unique value another object holds (found by the constraint, so also when that
        object committed during this write) is a 409 naming the holder. An object the
        write found absent and another writer made meanwhile (``InsertRefused``, and no
        such holder): the write runs again, merging every row (once, on top of the others)."""
        merge_every_row, attempt = False, 0
        while True:
            try:
                with merging_every_row() if merge_every_row else nullcontext():
                    return await self.db.write(work)
            except ReadChanged as exc:
                attempt += 1
                if attempt == 3:
                    raise Conflict(f"{exc.what} kept changing while this write ran; "
                                   "nothing was written, retry", code="schema_changed") from None
                WRITE_RERUNS.labels("read_changed").inc()
            except (ConstraintError, InsertRefused) as exc:
                clash = await self._unique_violation(workspace, type_name, records, object_id,
                                                     match_on) if type_name else None
                if clash is not None:
                    raise clash from exc
                if isinstance(exc, InsertRefused) and not merge_every_row:  # once: merging, none is refused so
                    merge_every_row = True
                    WRITE_RERUNS.labels("insert_refused").inc()
                    continue
            # The database refused what a check should have caught (or a concurrent
            # writer slipped in between): the documented conflict, nothing written.
                raise CardinalityConflict(
                    "the database refused the write: it would break a reference's cardinality, "
                    "a unique external_id or a unique attribute", details={"constraint": str(exc.message)[:300]},
                ) from exc

    async def _unique_violation(self, workspace: str, type_name: str, records: list[ObjectWrite | ObjectPatch],
                                object_id: str | None, match_on: str | None) -> Conflict | None:
        """The 409 for a write a uniqueness constraint refused: the first object, other
        than the records' own, that holds a value the records give (read after the
        refusal, so also one that committed while this write ran); None if there is none."""
        type_def = await self.schema.get_type(workspace, type_name)
        mine = {getattr(r, "external_id", None) for r in records} - {None}
        for attribute in (a for a in type_def.attributes.values() if a.unique and a.name != match_on):
            values = [r.attributes[attribute.name] for r in records if r.attributes.get(attribute.name) is not None]
            if not values:
                continue
            holders = await self.db.read(lambda tx: unique_holders(tx, self.db, workspace, attribute, values))
            holder = next((h for h in holders if h["external_id"] not in mine and h["id"] != object_id), None)
            if holder is not None:
                name = attribute.name
                return UniqueViolation(
                    f"{type_def.name}.{name} is unique: {holder['value']!r} is held by {type_def.name} {holder['id']}"
                    + (f" (external_id {holder['external_id']!r})" if holder["external_id"] else "")
                    + f"; nothing was written. Update that object, or write with ?match_on={name}",
                    details={"attribute": name, "value": holder["value"],
                             "holder": {"id": holder["id"], "external_id": holder["external_id"]}})
        return None

    async def _upsert(self, tx, workspace: str, type_def: TypeDef,
                      records: list[CheckedRecord], match_on: str | None = None) -> WriteResult:
        q = self.db.queries
        rows = [{"index": n, "external_id": r.external_id, "props": r.props, "new_id": i}  # index: position
                for n, (r, i) in enumerate(zip(records, new_ids(len(records))))]
        ids: list[str] = [""] * len(records)
        created = [False] * len(records)
        changed = [bool(r.references) for r in records]
        if match_on is not None:
            key = type_def.attributes[match_on].unique_key
            for row in rows:
                row["match"] = row["props"][key]
                if row["external_id"] is not None:
                    row["props"] = {**row["props"], "external_id": row["external_id"]}
            batches = ((q["objects/upsert_on"](Label=type_def.name, Unique=key), rows),)
        else:
            batches = ((q["objects/upsert"](Label=type_def.name), [r for r in rows if r["external_id"] is not None]),
                       (q["objects/create"](Label=type_def.name), [r for r in rows if r["external_id"] is None]))
        for query, batch in batches:
            if batch:
                result = await (await tx.run(query, workspace=workspace, rows=Bulk(batch))).single()
                log = change_log()
                for row, id_, new, differs, before in zip(batch, result["ids"], result["created"],
                                                          result["changed"], result["before"]):
                    ids[row["index"]] = id_
                    created[row["index"]] = new
                    changed[row["index"]] |= differs
                    object_written(log, workspace, ref(type_def.name, id_, row["external_id"]), created=new,
                                   before=before, props=row["props"])
        check_required(type_def, records, created)
        return WriteResult(ids=ids, created=created, changed=changed)

    async def exists(self, tx, workspace: str, label: str, object_id: str) -> None:
        if not await lookup(tx, self.db, workspace, label, ids=[object_id]):
            raise NotFound(f"no {label} with id {object_id!r}", code="unknown_object")

    # ---- reads -----------------------------------------------------------------

    async def get(self, workspace: str, type_name: str, object_ids: list[str],
                  expand: set[str] = frozenset(), *,
                  with_counts: bool = False) -> tuple[TypeDef, list[dict[str, Any]]]:
        """The objects that exist, each with ``many_counts`` (attribute -> targets) when
        ``with_counts``."""
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            type_def = await read_type(tx, self.db, workspace, type_name)
            check_expand(type_def, expand)
            found = await self.read_in(tx, workspace, type_def, object_ids, expand)
            for item in found if with_counts else ():
                item["many_counts"] = await reference_counts(tx, self.db, workspace, type_def, item["id"])
            return type_def, found

        return await self.db.read(work)

    async def read_in(self, tx, workspace: str, type_def: TypeDef, object_ids: list[str],
                      expand: set[str] = frozenset()) -> list[dict[str, Any]]:
        """The objects with these ids that exist, as ``object_view`` shows them, in ``tx``."""
        result = await tx.run(self.db.queries["objects/get"](Label=type_def.name),
                              workspace=workspace, ids=object_ids)
        nodes = [row["node"] async for row in result]
        return await self.views(tx, workspace, type_def, nodes, expand)

    async def views(self, tx, workspace: str, type_def: TypeDef, nodes: list[dict],
                    expand: set[str] = frozenset(),
                    fetched: list[dict[str, list[dict]]] | None = None) -> list[dict[str, Any]]:
        """Nodes as ``object_view`` shows them, with their `one` references (and the `many`
        ones in ``expand``, the ``MAX_EXPANDED`` most recent) inline; ``fetched``: those
        targets, per node, already read (attribute -> [{id, external_id}])."""
        ids = [n["id"] for n in nodes]
        inline = [a for a in type_def.attributes.values()
                  if a.is_reference and (a.cardinality == "one" or a.name in expand)]
        refs: dict[str, dict[str, list[dict]]] = {}
        for attribute in inline:
            if fetched is not None:
                refs[attribute.name] = {i: f[attribute.name] for i, f in zip(ids, fetched)}
            else:
                refs[attribute.name] = await targets_page(tx, self.db, workspace, attribute, ids,
                                                          limit=MAX_EXPANDED)
        out = []
        for node in nodes:
            references = {}
            for attribute in inline:
                targets = [shown_target(attribute, t) for t in refs[attribute.name].get(node["id"], [])]
                references[attribute.name] = (
                    (targets[0] if targets else None) if attribute.cardinality == "one" else targets)
            out.append(object_view(type_def, node, references))
        return out

    async def list(self, workspace: str, type_name: str, *, limit: int, after: str | None,
                   external_id: str | None,
                   referencing: tuple[str, str] | None = None) -> tuple[list[dict[str, Any]], bool]:
        """A page of instances; ``referencing`` = (reference attribute, target id) keeps
        those whose attribute holds that target."""
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            type_def = await read_type(tx, self.db, workspace, type_name)
            params = {"workspace": workspace, "after": after, "external_id": external_id,
                      "limit": limit + 1}
            if referencing is None:
                query = self.db.queries["objects/list"](Label=type_def.name)
            else:
                attribute = reference_attribute(type_def, referencing[0])
                query = self.db.queries["objects/list_referencing"](
                    Label=type_def.name, Rel=attribute.rel_type, Target=attribute.target)
                params |= {"target": referencing[1], "outgoing": attribute.direction == "out"}
            nodes = [row["node"] async for row in await tx.run(query, **params)]
            return await self.views(tx, workspace, type_def, nodes[:limit]), len(nodes) > limit

        return await self.db.read(work)

    # ---- delete ----------------------------------------------------------------

    async def delete(self, workspace: str, type_name: str, object_id: str) -> None:
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            types = await load_types(tx, self.db, workspace)
            type_def = require_type(types, type_name)
            await self.exists(tx, workspace, type_def.name, object_id)
            doomed = await cascade(tx, self.db, workspace, types, type_def.name, object_id)
            await delete_objects(tx, self.db, workspace, types, doomed, root=object_id)

        await self.db.write(work)
