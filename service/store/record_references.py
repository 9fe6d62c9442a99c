"""The references a write's records give: their targets resolved to ids (every unknown
target of every record reported together), the nodes they touch locked in one order,
then written with ``store/references.py``'s cardinality checks. Steps inside the
caller's transaction."""

from __future__ import annotations

from collections import defaultdict

from service.domain.data_types import ValueProblem, rules_of
from service.domain.records import (
    CheckedRecord,
    Problem,
    TargetRef,
    refusal,
    unique_attribute,
)
from service.domain.schema import TypeDef
from service.store.database import Bulk, Database
from service.store.references import RefRow, lock_nodes, write_references
from service.store.schema import read_type

USES = ["objects/resolve_ids", "objects/find_by_external_ids", "values/find_by_unique"]


def target_keys(refs) -> tuple[list[str], list[str]]:
    """The distinct ids and external ids these targets are given by, each sorted."""
    refs = list(refs)
    return (Bulk(sorted({r.id for r in refs if r.id is not None})),
            Bulk(sorted({r.external_id for r in refs if r.external_id is not None})))


def found_targets(attribute, record: CheckedRecord, by_id: dict[str, str], by_external: dict[str, str],
                  problems: list[Problem], by_match: dict[tuple, str] | None = None,
                  properties: dict[str, dict] | None = None) -> tuple[str, ...]:
    """The ids of the targets ``record`` gives for ``attribute``, in order without repeats
    (found by id, by external id or by a unique attribute's value); each one not found is
    added to ``problems``, the properties each found one is given to ``properties``."""
    targets = []
    for ref in record.references.get(attribute.name, ()):
        if ref.id is not None:
            found = by_id.get(ref.id)
        elif ref.external_id is not None:
            found = by_external.get(ref.external_id)
        else:
            found = (by_match or {}).get(ref.matched)
        if found is None:
            problems.append(Problem(record.index, "unknown_reference",
                                    f"{attribute.name}: no {attribute.target} with {ref.described()}", attribute.name))
        else:
            targets.append(found)
            if properties is not None and ref.properties:
                properties[found] = {**properties.get(found, {}), **ref.properties}
    return tuple(dict.fromkeys(targets))


async def resolve(tx, db: Database, workspace: str, label: str,
                  refs: list[TargetRef]) -> tuple[dict[str, str], dict[str, str], dict[tuple, str]]:
    """Target ids found by id, by external id and by a unique attribute's value."""
    by_id, by_external = {}, {}
    ids, external_ids = target_keys(refs)
    if ids:
        by_id = {i: i for i in await lookup(tx, db, workspace, label, ids=ids)}
    if external_ids:
        by_external = await lookup(tx, db, workspace, label, external_ids=external_ids)
    matched = [r.matched for r in refs if r.match is not None]
    return by_id, by_external, await find_matched(tx, db, workspace, label, matched) if matched else {}


async def find_matched(tx, db: Database, workspace: str, label: str,
                       matched: list[tuple[str, str | int]]) -> dict[tuple, str]:
    """(attribute, value as given) -> id of the target holding that value of a unique
    attribute; an attribute that is not unique is a 422 naming the unique ones."""
    target = await read_type(tx, db, workspace, label)
    found: dict[tuple, str] = {}
    for name in sorted({name for name, _ in matched}):
        attribute = unique_attribute(target, name, "match")
        given, values = [], []
        convert = rules_of(attribute).from_json
        for value in dict.fromkeys(value for attribute_name, value in matched if attribute_name == name):
            try:
                values.append(convert(value))
                given.append(value)
            except ValueProblem:
                continue  # no target can hold it: reported as not found
        row = await (await tx.run(db.queries["values/find_by_unique"](Label=label, Unique=attribute.unique_key),
                                  workspace=workspace, values=values)).single()
        found |= {(name, given[i]): object_id for i, object_id in row["found"]}
    return found


async def lookup(tx, db: Database, workspace: str, label: str, *, ids: list[str] | None = None,
                 external_ids: list[str] | None = None) -> dict[str, str]:
    """Which of these ids (id -> external id) or external ids (external id -> id) exist."""
    if ids is not None:
        query, params = "objects/resolve_ids", {"ids": ids}
    else:
        query, params = "objects/find_by_external_ids", {"external_ids": external_ids}
    row = await (await tx.run(db.queries[query](Label=label), workspace=workspace, **params)).single()
    return dict(row["found"])


async def write_record_references(tx, db: Database, workspace: str, type_def: TypeDef,
                                  records: list[CheckedRecord], ids: list[str],
                                  created: list[bool] | None = None, *,
                                  mode: str = "replace") -> None:
    """Each record's references (``records[i]`` held by ``ids[i]``) replaced by (or, with
    ``mode="add"``, added to) the targets it gives."""
    resolved = await resolve_rows(tx, db, workspace, type_def, records, ids, created or [False] * len(ids))
    if not resolved:
        return
    # Lock every node the references touch, in one global order, then re-read the
    # schema: a cardinality change that committed meanwhile is seen here. (Holders
    # created by this transaction are invisible to others: nothing to lock.)
    lock: dict[str, set[str]] = defaultdict(set)
    for name, rows in resolved.items():
        attribute = type_def.attributes[name]
        for row in rows:
            if not row.new:
                lock[attribute.type].add(row.holder)
            lock[attribute.target].update(row.targets)
    await lock_nodes(tx, db, workspace, lock)
    current = await read_type(tx, db, workspace, type_def.name)
    reassign = any(r.reassign for r in records)
    for name, rows in resolved.items():
        await write_references(tx, db, workspace, current.attributes[name], rows,
                               mode=mode, reassign=reassign)


async def resolve_rows(tx, db: Database, workspace: str, type_def: TypeDef,
                       records: list[CheckedRecord], ids: list[str],
                       created: list[bool]) -> dict[str, list[RefRow]]:
    """Each reference attribute's rows, with targets resolved to ids; every unknown
    target of every record is reported together (422)."""
    by_attribute: dict[str, list[tuple[CheckedRecord, str, bool]]] = defaultdict(list)
    for record, holder, new in zip(records, ids, created):
        for name in record.references:
            by_attribute[name].append((record, holder, new))
    problems: list[Problem] = []
    resolved: dict[str, list[RefRow]] = {}
    for name, entries in by_attribute.items():
        attribute = type_def.attributes[name]
        refs = [ref for record, _, _ in entries for ref in record.references[name]]
        by_id, by_external, by_match = await resolve(tx, db, workspace, attribute.target, refs)
        resolved[name] = []
        for record, holder, new in entries:
            given: dict[str, dict] = {}
            targets = found_targets(attribute, record, by_id, by_external, problems, by_match, given)
            resolved[name].append(RefRow(holder=holder, index=record.index, new=new, targets=targets,
                                         properties=given))
    if problems:
        raise refusal(problems)
    return resolved
