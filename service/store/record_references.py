"""The references a write's records give: their targets resolved to ids (every unknown
target of every record reported together), the nodes they touch locked in one order,
then written with ``store/references.py``'s cardinality checks. Steps inside the
caller's transaction."""

from __future__ import annotations

from collections import defaultdict

from service.domain.records import CheckedRecord, Problem, TargetRef, refusal
from service.domain.schema import TypeDef
from service.store.database import Bulk, Database
from service.store.references import RefRow, lock_nodes, write_references
from service.store.schema import read_type


def target_keys(refs) -> tuple[list[str], list[str]]:
    """The distinct ids and external ids these targets are given by, each sorted."""
    refs = list(refs)
    return (Bulk(sorted({r.id for r in refs if r.id is not None})),
            Bulk(sorted({r.external_id for r in refs if r.external_id is not None})))


def found_targets(attribute, record: CheckedRecord, by_id: dict[str, str], by_external: dict[str, str],
                  problems: list[Problem]) -> tuple[str, ...]:
    """The ids of the targets ``record`` gives for ``attribute``, in order without repeats
    (found by id or by external id); each one not found is added to ``problems``."""
    targets = []
    for ref in record.references.get(attribute.name, ()):
        found = by_id.get(ref.id) if ref.id is not None else by_external.get(ref.external_id)
        if found is None:
            how = f"id {ref.id!r}" if ref.id is not None else f"external_id {ref.external_id!r}"
            problems.append(Problem(record.index, "unknown_reference",
                                    f"{attribute.name}: no {attribute.target} with {how}", attribute.name))
        else:
            targets.append(found)
    return tuple(dict.fromkeys(targets))


async def resolve(tx, db: Database, workspace: str, label: str,
                  refs: list[TargetRef]) -> tuple[dict[str, str], dict[str, str]]:
    """Target ids found by id and by external id."""
    by_id, by_external = {}, {}
    ids, external_ids = target_keys(refs)
    if ids:
        by_id = {i: i for i in await lookup(tx, db, workspace, label, ids=ids)}
    if external_ids:
        by_external = await lookup(tx, db, workspace, label, external_ids=external_ids)
    return by_id, by_external


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
        by_id, by_external = await resolve(tx, db, workspace, attribute.target, refs)
        resolved[name] = [RefRow(holder=holder, index=record.index, new=new,
                                 targets=found_targets(attribute, record, by_id, by_external, problems))
                          for record, holder, new in entries]
    if problems:
        raise refusal(problems)
    return resolved
