"""What an attribute's definition means for the values objects hold: the index and the
uniqueness constraint behind ``indexed`` and ``unique``, the duplicates that keep an
attribute from becoming unique, and the objects an enum's options change maps or clears.
Steps inside the caller's transaction, except the schema statements, which Neo4j runs
in transactions of their own (before a change, idempotent; after one, only when no
workspace needs them any more)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.attribute_change import ChangePlan, options_token, remapped
from service.domain.data_types import ValueProblem, rules_of
from service.domain.events import object_written, ref
from service.domain.schema import AttributeDef, DataType
from service.errors import Conflict
from service.store.database import Bulk, Database
from service.store.events import change_log, current_cause

USES = [
    "values/create_unique_constraint", "values/create_index", "values/find_schema_object",
    "values/still_used", "values/duplicates", "values/copy_to_unique_key", "values/remove_unique_key",
    "values/option_holders", "values/set_values", "values/holders", "values/find_by_unique",
]
SHOWN = 100  # objects a report lists


async def ensure_schema_objects(db: Database, attributes: list[AttributeDef]) -> None:
    """The uniqueness constraints and indexes these attributes need (idempotent)."""
    q = db.queries
    statements = []
    for a in attributes:
        if a.unique:
            statements.append(q["values/create_unique_constraint"].query(Label=a.type, Unique=a.unique_key))
        if a.indexed and not a.unique:  # a unique attribute is indexed by its constraint
            statements.append(q["values/create_index"].query(Label=a.type, Key=a.name))
    async with db.session() as session:
        for statement in statements:
            await (await session.run(statement)).consume()


async def drop_unused_schema_objects(db: Database, label: str, name: str) -> None:
    """After a change committed: the constraint and the index on this attribute of this
    label go when no workspace's attribute needs them any more."""
    q = db.queries
    async with db.session() as session:
        for unique, key in ((True, AttributeDef(label, name, DataType.string).unique_key), (False, name)):
            used = await (await session.run(q["values/still_used"].query(), label=label, name=name,
                                            unique=unique)).single()
            if used["used"]:
                continue
            found = await (await session.run(q["values/find_schema_object"].query(), label=label,
                                             key=key)).single()
            if found is None:
                continue
            kind = "CONSTRAINT" if found["owningConstraint"] else "INDEX"
            await (await session.run(f"DROP {kind} `{found['owningConstraint'] or found['name']}` IF EXISTS")).consume()


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


async def copy_to_unique_key(tx, db: Database, workspace: str, attribute: AttributeDef, *, unique: bool) -> None:
    name = "values/copy_to_unique_key" if unique else "values/remove_unique_key"
    identifiers = {"Label": attribute.type, "Unique": attribute.unique_key}
    if unique:
        identifiers["Key"] = attribute.name
    await tx.run(db.queries[name](**identifiers), workspace=workspace)


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
    rows = []
    for holder in holders:
        props = {attribute.name: holder["becomes"]}
        if attribute.unique:
            props[attribute.unique_key] = holder["becomes"]
        rows.append({"id": holder["id"], "props": props})
    await tx.run(db.queries["values/set_values"](Label=attribute.type), workspace=workspace, rows=Bulk(rows))
    log, cause = change_log(), current_cause().because("options_change")
    for holder in holders:
        object_written(log, workspace, ref(attribute.type, holder["id"], holder["external_id"]), created=False,
                       before=[[attribute.name, holder["value"]]], props={attribute.name: holder["becomes"]},
                       cause=cause)


def _json(value: Any) -> Any:
    return value.iso_format() if hasattr(value, "iso_format") else value
