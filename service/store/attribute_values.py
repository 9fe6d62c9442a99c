"""What an attribute's definition means for the values objects hold: the index and the
uniqueness constraint behind ``indexed`` and ``unique``, the duplicates that keep an
attribute from becoming unique, and the objects an enum's options change maps or clears.
Steps inside the caller's transaction, except the schema statements, which Neo4j runs
in transactions of their own (before a change, idempotent; after one, only when no
workspace needs them any more)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.attribute_change import (
    ChangePlan,
    limits_token,
    options_token,
    remapped,
)
from service.domain.data_types import ValueProblem, rules_of
from service.domain.events import object_written, ref, relationships_written
from service.domain.schema import AttributeDef, DataType
from service.errors import Conflict
from service.store.database import Bulk, Database
from service.store.change_log import change_log, current_cause
from service.store.references import limit_excess

USES = [
    "values/create_unique_constraint", "values/create_index", "values/find_index", "values/drop_index",
    "values/still_indexed", "values/duplicates", "values/copy_to_unique_key", "values/remove_unique_key",
    "values/option_holders", "values/set_values", "values/holders",
]
SHOWN = 100  # objects a report lists


async def ensure_constraints(db: Database, attributes: list[AttributeDef]) -> None:
    """The uniqueness constraints these attributes need, before the change that relies on
    them commits. Never dropped: only objects of workspaces whose attribute is unique carry
    the key it covers, so a constraint no workspace uses any more constrains nothing, and
    dropping it could race another workspace making the attribute unique again."""
    await _run(db, [db.queries["values/create_unique_constraint"].query(Label=a.type, Unique=a.unique_key)
                    for a in attributes if a.unique])


async def ensure_indexes(db: Database, attributes: list[AttributeDef]) -> None:
    """The indexes these attributes need (a unique one is served by its constraint's),
    made after the change committed, so a concurrent ``drop_unused_index`` that did not
    see it yet cannot leave it without one."""
    await _run(db, [db.queries["values/create_index"].query(Label=a.type, Key=a.name)
                    for a in attributes if a.indexed and not a.unique])


async def drop_unused_index(db: Database, label: str, name: str) -> None:
    """After a change committed: the index on this attribute of this label goes when no
    workspace needs it; made again if one did meanwhile (it committed after the check)."""
    q = db.queries

    async def used() -> bool:
        return (await (await session.run(q["values/still_indexed"].query(), label=label, name=name)).single())["used"]

    async with db.session() as session:
        if await used():
            return
        found = await (await session.run(q["values/find_index"].query(), label=label, key=name)).single()
        if found is None:
            return
        await (await session.run(q["values/drop_index"].query(Name=found["name"]))).consume()
        if await used():
            await (await session.run(q["values/create_index"].query(Label=label, Key=name))).consume()


async def _run(db: Database, statements: list) -> None:
    async with db.session() as session:
        for statement in statements:
            await (await session.run(statement)).consume()


async def unique_holders(tx, db: Database, workspace: str, attribute: AttributeDef,
                         values: list[Any]) -> list[dict[str, Any]]:
    """The objects holding any of these values (as written: JSON) of a unique attribute."""
    convert, stored = rules_of(attribute).from_json, []
    for value in values:
        try:
            stored.append(convert(value))
        except ValueProblem:
            continue
    result = await tx.run(db.queries["values/holders"](Label=attribute.type, Key=attribute.name,
                                                       Unique=attribute.unique_key),
                          workspace=workspace, values=stored)
    return [{"id": row["id"], "external_id": row["external_id"], "value": _json(row["value"])}
            async for row in result]


async def refuse_duplicates(tx, db: Database, workspace: str, attribute: AttributeDef) -> None:
    """Making ``attribute`` unique over objects that share a value is refused, listing them."""
    result = await tx.run(db.queries["values/duplicates"](Label=attribute.type, Key=attribute.name),
                          workspace=workspace)
    duplicates = [{"value": _json(row["value"]), "count": row["count"], "holders": row["holders"]}
                  async for row in result]
    if duplicates:
        first = duplicates[0]
        raise Conflict(
            f"{attribute.type}.{attribute.name} cannot be unique: {len(duplicates)} values are held by more "
            f"than one object ({first['value']!r} by {first['count']}); change or clear them first",
            code="duplicate_values", details={"attribute": attribute.name, "duplicates": duplicates})


async def copy_to_unique_key(tx, db: Database, workspace: str, attribute: AttributeDef) -> None:
    """Making an attribute unique: every value copied where the constraint looks."""
    await tx.run(db.queries["values/copy_to_unique_key"](Label=attribute.type, Key=attribute.name,
                                                         Unique=attribute.unique_key), workspace=workspace)


async def remove_unique_key(tx, db: Database, workspace: str, attribute: AttributeDef) -> None:
    """An attribute stops being unique (or goes): the copies go, the constraint no longer applies."""
    await tx.run(db.queries["values/remove_unique_key"](Label=attribute.type, Unique=attribute.unique_key),
                 workspace=workspace)


@dataclass
class OptionsReport:
    """What removing options from an enum changes: the objects that hold a removed value
    (the first ``SHOWN``), each with what it becomes, and the plan that applies it."""
    would_change: int
    objects: list[dict[str, Any]]
    plan: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"would_change": self.would_change, "objects": self.objects, "plan": self.plan}


async def option_holders(tx, db: Database, workspace: str, plan: ChangePlan) -> list[dict[str, Any]]:
    """The objects holding a value ``plan`` removes, each with the value it gets."""
    attribute = plan.attribute
    listed = attribute.data_type == DataType.enum_list
    result = await tx.run(db.queries["values/option_holders"](Label=attribute.type, Key=attribute.name),
                          workspace=workspace, removed=plan.removed_options, list=listed)
    return [{"id": row["id"], "external_id": row["external_id"], "value": list(row["value"]) if listed
             else row["value"], "becomes": remapped(row["value"], plan.option_map, listed=listed)}
            async for row in result]


def options_report(plan: ChangePlan, holders: list[dict[str, Any]]) -> OptionsReport:
    key = f"{plan.attribute.type}.{plan.attribute.name}"
    return OptionsReport(would_change=len(holders), objects=holders[:SHOWN],
                         plan=options_token(key, plan.option_map, holders) if holders else None)


async def apply_option_map(tx, db: Database, workspace: str, plan: ChangePlan, holders: list[dict[str, Any]]) -> None:
    """Each holder's removed values mapped or cleared (``object.updated`` events caused by
    the options change). A required attribute cannot be cleared."""
    attribute = plan.attribute
    cleared = [h for h in holders if h["becomes"] is None]
    if attribute.required and cleared:
        raise Conflict(f"{attribute.name} is required: {len(cleared)} objects would lose their value; "
                       "map each removed value to an option (option_map)", code="required_value_cleared",
                       details={"objects": cleared[:SHOWN]})
    set_values = db.queries["values/set_values"](Label=attribute.type)
    await tx.run(set_values, workspace=workspace,
                 rows=Bulk([{"id": h["id"], "props": {attribute.name: h["becomes"]}} for h in holders]))
    if attribute.unique:  # mapping two options to one must not make two holders of a value
        await refuse_duplicates(tx, db, workspace, attribute)
        await tx.run(set_values, workspace=workspace,
                     rows=Bulk([{"id": h["id"], "props": {attribute.unique_key: h["becomes"]}} for h in holders]))
    log, cause = change_log(), current_cause().because("options_change")
    for holder in holders:
        object_written(log, workspace, ref(attribute.type, holder["id"], holder["external_id"]), created=False,
                       before=[[attribute.name, holder["value"]]], props={attribute.name: holder["becomes"]},
                       cause=cause)


def _json(value: Any) -> Any:
    return value.iso_format() if hasattr(value, "iso_format") else value


@dataclass
class LimitsReport:
    """What tightening a reference's labelled limits changes: the associations over a
    limit (beyond each end's most recent) whose property would be cleared, and the plan."""
    would_change: int
    associations: list[dict[str, Any]]
    plan: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"would_change": self.would_change, "associations": self.associations, "plan": self.plan}


async def limit_clearances(tx, db: Database, workspace: str, plan: ChangePlan) -> list[dict[str, Any]]:
    """The associations the tightened limits of ``plan`` clear the property of."""
    attribute, out, seen = plan.attribute, [], set()
    # Sources first, then targets, each over what the earlier clearings left (as the
    # prune rule takes the holder side, then the target side); each keeps its most recent.
    for limit, at_source, most, rows in await limit_excess(tx, db, workspace, attribute, plan.tightened_limits):
        end_type, other_type = ((attribute.source_type, attribute.target_type) if at_source
                                else (attribute.target_type, attribute.source_type))
        for row in rows:
            for held in [h for h in row["held"] if (h["rel"], limit.property) not in seen][most:]:
                seen.add((held["rel"], limit.property))
                end = {"id": row["id"], "type": end_type, "external_id": row["external_id"]}
                other = {"id": held["id"], "type": other_type, "external_id": held["external_id"]}
                source, target = (end, other) if at_source else (other, end)
                out.append({"rel": held["rel"], "property": limit.property, "value": limit.value,
                            "source": source, "target": target})
    return out


def limits_report(plan: ChangePlan, cleared: list[dict[str, Any]]) -> LimitsReport:
    shown = [{k: v for k, v in c.items() if k != "rel"} for c in cleared]
    token = limits_token(f"{plan.attribute.type}.{plan.attribute.name}", plan.limits, shown) if cleared else None
    return LimitsReport(len(cleared), shown[:SHOWN], token)


async def clear_over_limits(tx, db: Database, workspace: str, plan: ChangePlan, cleared: list[dict[str, Any]]) -> None:
    """The property of each association over a tightened limit cleared (``reference.updated``
    events caused by the limit change)."""
    log, cause = change_log(), current_cause().because("limit_change")
    for name in sorted({c["property"] for c in cleared}):
        rels = [c["rel"] for c in cleared if c["property"] == name]
        row = await (await tx.run(db.queries["references/clear_property"](Key=name), rels=rels)).single()
        relationships_written(log, workspace, "reference.updated", plan.attribute, row["ends"], cause=cause)
