"""Editing and deleting an attribute (PATCH and DELETE of
/v1/types/{type}/attributes/{attribute}) in one write transaction each: lock, read what
the pure planner (``domain/attribute_change.py``) needs, and apply its plan. A
cardinality change reports what it would delete and which connectors and selector steps
use the attribute; tightening deletes only what its dry run's plan listed, and records a
prune that can restore it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction

from service.domain import schema_rules
from service.domain.attribute_change import (
    ChangePlan,
    confirm_change,
    confirm_limits,
    confirm_options,
    plan_change,
)
from service.domain.cardinality import Edge, plan_prune, plan_token
from service.domain.events import edits_of, schema_changed
from service.domain.records import new_id
from service.domain.schema import AttributeDef
from service.errors import Conflict, NotFound
from service.store.attribute_values import (
    apply_option_map,
    clear_over_limits,
    copy_to_unique_key,
    drop_unused_index,
    ensure_constraints,
    ensure_indexes,
    limit_clearances,
    limits_report,
    option_holders,
    options_report,
    refuse_duplicates,
    remove_unique_key,
)
from service.store.database import Database
from service.store.change_log import change_log, current_cause
from service.store.prunes import record_prune
from service.store.references import declared_properties, delete_relationships
from service.store.schema import (
    SchemaStore,
    load_types,
    lock_all_objects,
    lock_types,
    read_type,
)

USES = [
    "schema/update_attribute", "schema/delete_attribute", "schema/remove_attribute_values",
    "schema/count_missing", "references/edges_of", "references/set_keys", "references/delete_all",
    "references/delete_by_element_id", "connectors/using", "selectors/using",
]

async def _connectors_using(tx, db: Database, workspace: str, attribute: AttributeDef) -> list[dict]:
    """Connectors that map or fill this attribute or its inverse."""
    keys = [f"{attribute.type}.{attribute.name}"]
    if attribute.inverse_name:
        keys.append(f"{attribute.target}.{attribute.inverse_name}")
    found: dict[str, dict] = {}
    for key in keys:
        async for row in await tx.run(db.queries["connectors/using"](), workspace=workspace, key=key):
            found[row["id"]] = {"id": row["id"], "name": row["name"]}
    return list(found.values())


async def _steps_using(tx, db: Database, workspace: str, key: str) -> list[dict]:
    """The selector steps that use the attribute ``key`` ('Type.attribute'), with their role."""
    result = await tx.run(db.queries["selectors/using"](), workspace=workspace, key=key)
    return [dict(row) async for row in result]


async def _selectors_using(tx, db: Database, workspace: str, attribute: AttributeDef, holder_card: str,
                           inverse_card: str) -> tuple[list[dict], Conflict | None]:
    """The selector steps that use this attribute or its inverse, and the refusal of a
    change that would break one (its display attribute to `one`, its selection
    attribute to `many`), which is not applied while the step exists."""
    sides = [(f"{attribute.type}.{attribute.name}", holder_card)]
    if attribute.inverse_name:
        sides.append((f"{attribute.target}.{attribute.inverse_name}", inverse_card))
    found, breaking = [], None
    for key, cardinality in sides:
        for selector in await _steps_using(tx, db, workspace, key):
            found.append(selector)
            wanted = "many" if selector["role"] == "display" else "one"
            if cardinality != wanted and breaking is None:
                breaking = Conflict(
                    f"the selector step {selector['name']!r} uses {key} as its {selector['role']} attribute, "
                    f"which must stay a reference to {wanted}; change or delete the step first",
                    code="used_by_selector", details={"selector": selector})
    return found, breaking


@dataclass
class CardinalityReport:
    would_delete: int
    associations: list[dict[str, Any]]
    used_by: dict[str, list[Any]]
    plan: str | None = None  # what applying the change must confirm

    def as_dict(self) -> dict[str, Any]:
        return {"would_delete": self.would_delete, "associations": self.associations,
                "used_by": self.used_by, "plan": self.plan}


async def _edges(tx, db: Database, workspace: str, attribute: AttributeDef) -> list:
    result = await tx.run(
        db.queries["references/edges_of"](Holder=attribute.type, Target=attribute.target,
                                          Rel=attribute.rel_type),
        workspace=workspace, outgoing=attribute.direction == "out")
    rows = [row async for row in result]
    names = {row["holder"]: row["holder_external_id"] for row in rows}
    names.update({row["target"]: row["target_external_id"] for row in rows})
    names.update({row["rel"]: declared_properties(attribute, row["properties"]) for row in rows})
    return [Edge(row["holder"], row["target"], row["written_at"], row["rel"]) for row in rows], names


class AttributeEditor:
    """PATCH and DELETE of /v1/types/{type}/attributes/{attribute}."""

    def __init__(self, schema: SchemaStore):
        self.schema = schema
        self.db = schema.db

    async def _find(self, tx, workspace: str, type_name: str, name: str):
        types = await load_types(tx, self.db, workspace)
        owner = schema_rules.require_type(types, type_name)
        attribute = owner.find_case_insensitive(name)
        if attribute is None:
            raise NotFound(f"{owner.name} has no attribute named {name!r}",
                           code="unknown_attribute", details={"attribute": name})
        return types, owner, attribute

    async def update(self, workspace: str, type_name: str, name: str, changes, *, dry_run: bool,
                     confirm: str | None) -> tuple[AttributeDef | None, CardinalityReport | None, str | None]:
        """The edited attribute and the report of a cardinality change (with ``dry_run``,
        only the report). A change that deletes associations is applied only with
        ``confirm`` equal to the plan its dry run gave; then the third item is the id of
        the prune that keeps what the report lists as deleted."""
        await self.schema.ensure_workspace(workspace)
        if changes.unique and not dry_run:  # the constraint first, in its own transaction
            _, _, current = await self.db.read(lambda tx: self._find(tx, workspace, type_name, name))
            await ensure_constraints(self.db, [plan_change(current, changes).attribute_after()])

        async def work(tx: AsyncManagedTransaction):
            await tx.run(self.db.queries["schema/lock_workspace"](), workspace=workspace)
            _, owner, attribute = await self._find(tx, workspace, type_name, name)
            plan = plan_change(attribute, changes)
            report, dropped, prune_id = None, [], new_id()
            if plan.changes_cardinality:
                report, dropped, breaking = await self._report(tx, workspace, plan)
                if dry_run:
                    return None, report, None
                if breaking is not None:
                    raise breaking
                confirm_change(plan, report.plan, confirm, len(dropped), report.as_dict())
                await self._apply_cardinality(tx, workspace, plan, dropped, prune_id)
            elif dry_run:
                return None, await self._values_report(tx, workspace, plan), None
            elif plan.removed_options or plan.makes_unique or plan.tightened_limits:
                # Every object of the type (and a reference's targets) locked: no writer gives
                # one a removed value, a duplicate or an association over a limit while this
                # change looks (new objects: lock_types, below).
                await lock_all_objects(tx, self.db, workspace, owner.name,
                                       *([attribute.target] if plan.tightened_limits else []))
            # After any object locks, as writers take them: writes in flight commit first (and
            # are counted below), later ones see the new version and check again.
            await lock_types(tx, self.db, workspace, owner.name, attribute.target)
            if plan.makes_required:
                await self._refuse_missing_values(tx, workspace, attribute)
            await self._apply_values(tx, workspace, plan, confirm)
            await self._save_edits(tx, workspace, plan)
            updated = (await read_type(tx, self.db, workspace, owner.name)).attributes[attribute.name]
            if report is None or report.plan is None:
                return updated, report, None
            return updated, report, await record_prune(tx, self.db, workspace, attribute, report.associations,
                                                       prune_id=prune_id, after=updated)

        result = await self.db.write(work)
        updated = result[0]
        if updated is not None and (changes.unique is not None or changes.indexed is not None):
            await ensure_indexes(self.db, [updated])
            await drop_unused_index(self.db, updated.type, updated.name)
        return result

    async def _report(self, tx, workspace: str, plan: ChangePlan):
        """What a cardinality change would delete and break: the report (with the plan
        token when it tightens), the edges it deletes, and the refusal a selector step
        that it breaks gives. Tightening first locks every node on both ends, so no writer
        adds an association meanwhile."""
        attribute = plan.attribute
        selectors, breaking = await _selectors_using(tx, self.db, workspace, attribute, plan.holder, plan.inverse)
        if plan.tightens:
            await lock_all_objects(tx, self.db, workspace, attribute.type, attribute.target)
        edges, names = await _edges(tx, self.db, workspace, attribute)
        dropped = plan_prune(edges, holder_one=plan.holder == "one", target_one=plan.inverse == "one")
        report = CardinalityReport(
            would_delete=len(dropped),
            associations=[{"source": {"id": e.holder, "type": attribute.type, "external_id": names.get(e.holder)},
                           "target": {"id": e.target, "type": attribute.target, "external_id": names.get(e.target)},
                           **({"properties": names[e.rel]} if names.get(e.rel) else {})}
                          for e in dropped],
            used_by={"connectors": await _connectors_using(tx, self.db, workspace, attribute),
                     "selectors": selectors},
            plan=plan_token(f"{attribute.type}.{attribute.name}", holder_one=plan.holder == "one",
                            target_one=plan.inverse == "one", dropped=dropped) if plan.tightens else None,
        )
        return report, dropped, breaking

    async def _apply_cardinality(self, tx, workspace: str, plan: ChangePlan, dropped: list, prune_id: str) -> None:
        """Delete the pruned associations (``reference.removed`` events caused by the
        change, named by its prune) and re-key the rest for the new cardinalities."""
        await delete_relationships(tx, self.db, workspace, plan.attribute, [e.rel for e in dropped],
                                   cause=current_cause().because("cardinality_change", prune_id))
        changed = plan.attribute.with_changes(cardinality=plan.holder, inverse_cardinality=plan.inverse)
        await tx.run(self.db.queries["references/set_keys"](
            Source=changed.source_type, Target=changed.target_type, Rel=changed.rel_type),
            workspace=workspace, source_type=changed.source_type,
            source_one=changed.source_one, target_one=changed.target_one)

    async def _save_edits(self, tx, workspace: str, plan: ChangePlan) -> None:
        """The plan's edits on the attribute and on its inverse, each with its event."""
        attribute, log = plan.attribute, change_log()
        if plan.edits:
            await tx.run(self.db.queries["schema/update_attribute"](), workspace=workspace,
                         type=attribute.type, name=attribute.name, changes=plan.edits)
            schema_changed(log, workspace, "attribute.updated", attribute.type, attribute=attribute.name,
                           changes=plan.described_edits())
        if plan.inverse_edits and attribute.inverse_name:
            await tx.run(self.db.queries["schema/update_attribute"](), workspace=workspace,
                         type=attribute.target, name=attribute.inverse_name, changes=plan.inverse_edits)
            shared = {k: v for k, v in plan.described_edits().items() if k == "limits"}  # the association's
            schema_changed(log, workspace, "attribute.updated", attribute.target, attribute=attribute.inverse_name,
                           changes=edits_of(attribute.inverse(), {k: v for k, v in plan.inverse_edits.items()
                                                                  if k != "limits"}) | shared)

    async def _values_report(self, tx, workspace: str, plan: ChangePlan):
        """A dry run's report of a change that is not of a cardinality: the objects an
        options change would map or clear (a change to unique over duplicates is refused
        as applying it would be)."""
        if plan.makes_unique:
            await refuse_duplicates(tx, self.db, workspace, plan.attribute)
        if plan.removed_options:
            return options_report(plan, await option_holders(tx, self.db, workspace, plan))
        if plan.tightened_limits:
            return limits_report(plan, await limit_clearances(tx, self.db, workspace, plan))
        return CardinalityReport(0, [], {"connectors": [], "selectors": []})

    async def _apply_values(self, tx, workspace: str, plan: ChangePlan, confirm: str | None) -> None:
        """What a change means for the values held, read under the locks: removed options
        mapped or cleared (with the plan of the dry run that listed the same objects), a
        unique attribute's values copied under its constraint (refused over duplicates),
        or those copies removed."""
        attribute = plan.attribute
        if plan.removed_options:
            holders = await option_holders(tx, self.db, workspace, plan)
            report = options_report(plan, holders)
            confirm_options(plan, report.plan, confirm, len(holders), report.as_dict())
            if holders:
                await apply_option_map(tx, self.db, workspace, plan, holders)
        if plan.tightened_limits:
            cleared = await limit_clearances(tx, self.db, workspace, plan)
            report = limits_report(plan, cleared)
            confirm_limits(plan, report.plan, confirm, len(cleared), report.as_dict())
            await clear_over_limits(tx, self.db, workspace, plan, cleared)
        if plan.makes_unique:
            await refuse_duplicates(tx, self.db, workspace, attribute)
            await copy_to_unique_key(tx, self.db, workspace, attribute)
        elif plan.unmakes_unique:
            await remove_unique_key(tx, self.db, workspace, attribute)

    async def _refuse_missing_values(self, tx, workspace: str, attribute: AttributeDef) -> None:
        missing = await (await tx.run(
            self.db.queries["schema/count_missing"](Label=attribute.type, Key=attribute.name),
            workspace=workspace)).single()
        if missing["count"]:
            raise Conflict(f"{missing['count']} {attribute.type} objects have no {attribute.name}; "
                           "fill them before making it required",
                           code="required_attribute_on_existing_objects", details={"objects": missing["count"]})

    async def delete(self, workspace: str, type_name: str, name: str) -> None:
        await self.schema.ensure_workspace(workspace)
        q = self.db.queries

        async def work(tx: AsyncManagedTransaction):
            await tx.run(q["schema/lock_workspace"](), workspace=workspace)
            _, owner, attribute = await self._find(tx, workspace, type_name, name)
            if attribute.builtin:
                raise Conflict(f"{owner.name}.{attribute.name} is built in and cannot be deleted",
                               code="builtin_attribute")
            doomed = [f"{owner.name}.{attribute.name}"]
            if attribute.is_reference and attribute.direction == "out" and attribute.inverse_name:
                doomed.append(f"{attribute.target}.{attribute.inverse_name}")  # goes with it
            for key in doomed:
                for step in await _steps_using(tx, self.db, workspace, key):
                    raise Conflict(f"the selector step {step['name']!r} uses {key} as its {step['role']} "
                                   "attribute; delete the step first", code="used_by_selector",
                                   details={"selector": step})
            await lock_types(tx, self.db, workspace, owner.name, attribute.target)  # its writers on both ends
            if not attribute.is_reference:
                await tx.run(q["schema/remove_attribute_values"](Label=owner.name, Key=attribute.name),
                             workspace=workspace)
                if attribute.unique:
                    await remove_unique_key(tx, self.db, workspace, attribute)
            elif attribute.direction == "out":
                # The forward attribute owns the associations: they go, with the inverse.
                await tx.run(q["references/delete_all"](
                    Source=attribute.source_type, Target=attribute.target_type, Rel=attribute.rel_type),
                    workspace=workspace)
                if attribute.inverse_name:
                    await tx.run(q["schema/delete_attribute"](), workspace=workspace,
                                 type=attribute.target, name=attribute.inverse_name)
                    schema_changed(change_log(), workspace, "attribute.deleted", attribute.target,
                                   attribute=attribute.inverse_name)
            else:
                # Deleting an inverse only stops reading the reference from this end.
                forward_edits = {"inverse_name": None, "inverse_cardinality": "many"}
                await tx.run(q["schema/update_attribute"](), workspace=workspace,
                             type=attribute.target, name=attribute.inverse_name, changes=forward_edits)
                schema_changed(change_log(), workspace, "attribute.updated", attribute.target,
                               attribute=attribute.inverse_name, changes=edits_of(attribute.inverse(), forward_edits))
                await tx.run(q["references/set_keys"](
                    Source=attribute.source_type, Target=attribute.target_type,
                    Rel=attribute.rel_type), workspace=workspace, source_type=attribute.source_type,
                    source_one=attribute.inverse_cardinality == "one", target_one=False)
            await tx.run(q["schema/delete_attribute"](), workspace=workspace, type=owner.name,
                         name=attribute.name)
            schema_changed(change_log(), workspace, "attribute.deleted", owner.name, attribute=attribute.name)
            return attribute

        deleted = await self.db.write(work)
        if deleted.indexed:
            await drop_unused_index(self.db, deleted.type, deleted.name)
