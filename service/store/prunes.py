"""Prunes: the associations a cardinality change deleted, kept as a record in the graph
(``(:_Prune)``, one per applied change, its pairs as JSON) so they can be listed and
restored. Nothing a cardinality change deletes is lost without a record.

Restoring re-creates, in one write transaction holding the schema lock and every node
of both ends, each pair whose ends still exist and that fits the attribute's current
cardinality (``service.domain.cardinality.plan_restore``); the others are reported
with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from neo4j import AsyncManagedTransaction

from service.domain.cardinality import Pair, plan_restore
from service.domain.data_types import ValueProblem, rules_of
from service.domain.schema import AttributeDef
from service.domain.values import to_json
from service.errors import Conflict, NotFound
from service.store.database import Bulk, Database
from service.store.change_log import current_actor, current_cause
from service.store.references import check_limits, merge_relationships
from service.store.schema import SchemaStore, load_types, lock_all_objects

USES = ["prunes/create", "prunes/list", "prunes/get", "prunes/ends", "prunes/mark_restored",
        "schema/lock_workspace", "schema/lock_all_objects", "references/merge"]


async def record_prune(tx: AsyncManagedTransaction, db: Database, workspace: str, attribute: AttributeDef,
                       associations: list[dict[str, Any]], *, prune_id: str, after: AttributeDef) -> str:
    """Keep a change's deleted associations (``source`` is the attribute's holder), in
    the change's own transaction, with the cardinalities before and ``after`` it; the
    prune's id."""
    await tx.run(db.queries["prunes/create"](), id=prune_id, workspace=workspace, type=attribute.type,
                 attribute=attribute.name, rel_type=attribute.rel_type, direction=attribute.direction,
                 cardinality=attribute.cardinality, inverse_cardinality=attribute.inverse_cardinality,
                 set_cardinality=after.cardinality, set_inverse_cardinality=after.inverse_cardinality,
                 by_token=current_actor(),
                 attribute_created_at=to_json(attribute.created_at), deleted=len(associations),
                 associations=json.dumps(associations))
    return prune_id


def stored_properties(attribute: AttributeDef, association: dict[str, Any]) -> dict[str, Any]:
    """An association's properties as the prune kept them (JSON), typed again as the
    reference declares them now (one it no longer declares, or no longer fits, stays out)."""
    out = {}
    for name, value in (association.get("properties") or {}).items():
        definition = attribute.property(name)
        if definition is not None:
            try:
                out[name] = rules_of(definition).from_json(value)
            except ValueProblem:
                continue
    return out


class PruneStore:
    def __init__(self, schema: SchemaStore):
        self.schema = schema
        self.db = schema.db

    async def list(self, workspace: str, *, limit: int, after: str | None,
                   of: tuple[str, str] | None = None) -> tuple[list[dict], bool]:
        """A page of prunes, newest first; ``of``: only those of (type, attribute)."""
        type_name, attribute = of or (None, None)
        return await self.db.read_page("prunes/list", "prune", workspace=workspace, after=after, limit=limit,
                                       type=type_name, attribute=attribute)

    async def _row(self, tx, workspace: str, prune_id: str) -> dict[str, Any]:
        row = await (await tx.run(self.db.queries["prunes/get"](), workspace=workspace, id=prune_id)).single()
        if row is None:
            raise NotFound(f"no prune with id {prune_id!r}", code="unknown_prune")
        return row["prune"]

    async def get(self, workspace: str, prune_id: str) -> dict[str, Any]:
        """The prune's record, its ``associations`` read back from their JSON text."""
        row = await self.db.read(lambda tx: self._row(tx, workspace, prune_id))
        return {**row, "associations": json.loads(row["associations"])}

    async def restore(self, workspace: str, prune_id: str) -> dict[str, Any]:
        q = self.db.queries

        async def work(tx: AsyncManagedTransaction) -> dict[str, Any]:
            await tx.run(q["schema/lock_workspace"](), workspace=workspace)
            row = await self._row(tx, workspace, prune_id)
            owner = (await load_types(tx, self.db, workspace)).get(row["type"].lower())
            attribute = owner.attributes.get(row["attribute"]) if owner else None
            if attribute is None or to_json(attribute.created_at) != row.get("attribute_created_at"):
                raise Conflict(f"{row['type']}.{row['attribute']} no longer exists (or was deleted and made "
                               "again); its associations cannot come back", code="attribute_deleted")
            await lock_all_objects(tx, self.db, workspace, attribute.source_type, attribute.target_type)
            associations = json.loads(row["associations"])
            outgoing = attribute.direction == "out"
            pairs = [Pair(a["source"]["id"], a["target"]["id"]) if outgoing else
                     Pair(a["target"]["id"], a["source"]["id"]) for a in associations]
            ends = await (await tx.run(
                q["prunes/ends"](Source=attribute.source_type, Target=attribute.target_type),
                workspace=workspace, sources=Bulk({p.source for p in pairs}),
                targets=Bulk({p.target for p in pairs}))).single()
            current = await self._current(tx, workspace, attribute)
            planned = plan_restore(pairs, sources=set(ends["sources"]), targets=set(ends["targets"]),
                                   current=current, source_one=attribute.source_one,
                                   target_one=attribute.target_one)
            merges = [{"source": p.source, "target": p.target, "props": stored_properties(attribute, a)}
                      for a, (p, reason) in zip(associations, planned) if reason is None]
            await merge_relationships(tx, self.db, workspace, attribute, merges,
                                      cause=current_cause().because("restore", prune_id))
            if attribute.limits:  # what comes back with its properties may not break a limit set since
                await check_limits(tx, self.db, workspace, attribute, merges)
            await tx.run(q["prunes/mark_restored"](), workspace=workspace, id=prune_id, restored=len(merges))
            skipped = [{**association, "reason": reason}
                       for association, (_, reason) in zip(associations, planned) if reason is not None]
            return {"restored": len(merges), "skipped": skipped}

        return await self.db.write(work)

    async def _current(self, tx, workspace: str, attribute: AttributeDef) -> set[Pair]:
        result = await tx.run(self.db.queries["references/edges_of"](
            Holder=attribute.source_type, Target=attribute.target_type, Rel=attribute.rel_type),
            workspace=workspace, outgoing=True)
        return {Pair(r["holder"], r["target"]) async for r in result}
