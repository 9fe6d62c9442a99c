"""Writing and reading references, with their cardinality enforced.

A reference attribute's values are relationships ``(s:Source)-[:REL]->(t:Target)``;
the attribute's *holder* is the source (``direction="out"``) or the target
(``direction="in"``, an inverse). A write, inside one transaction (steps 1 and 2 are
the caller's, ``ObjectStore._write_references``, for all attributes of a write at once):

1. locks every holder and target node, sorted by (label, id);
2. re-reads the attribute under those locks, so a concurrent cardinality change is seen;
3. finds targets whose own side is `one` and that another holder already has: a
   ``CardinalityConflict`` (409) naming that holder, unless the write reassigns;
4. deletes the holder's relationships the write replaces, and merges the new ones.

Relationships carry ``source_one`` / ``target_one`` under uniqueness constraints, so
the database refuses a second edge on a `one` side whatever the Cypher does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from neo4j import AsyncManagedTransaction

from service.domain.events import Cause, relationships_written
from service.domain.schema import AttributeDef
from service.domain.values import to_json
from service.errors import CardinalityConflict, Conflict, LimitConflict
from service.store.database import Bulk, Database
from service.store.change_log import change_log
from service.store.write_result import ReadChanged

USES = [
    "references/lock", "references/holders_of", "references/targets_of",
    "references/delete_by_element_id", "references/merge", "references/targets_page", "references/over_limit",
    "references/limit_excess", "references/clear_property", "references/count_of",
]


@dataclass(frozen=True)
class RefRow:
    holder: str
    targets: tuple[str, ...]
    index: int = 0  # the record's index in a batch, for error reports
    new: bool = False  # the holder was created in this transaction: it has no references yet
    properties: dict[str, dict] = field(default_factory=dict)  # target -> the properties given its association


async def lock_nodes(tx: AsyncManagedTransaction, db: Database, workspace: str,
                     ids_by_label: dict[str, set[str]]) -> None:
    """The write locks of these nodes, in one global order. One deleted since the caller
    found it, or while this write waited for its lock, is ``ReadChanged``: the write
    runs again, and finds it gone."""
    for label in sorted(ids_by_label):
        ids = Bulk(sorted(ids_by_label[label]))
        if ids:
            locked = await (await tx.run(db.queries["references/lock"](Label=label), workspace=workspace,
                                         ids=ids)).single()
            if locked["locked"] < len(ids):
                raise ReadChanged(f"the {label} objects this write refers to")


def _pattern(attribute: AttributeDef) -> dict[str, str]:
    return {"Holder": attribute.type, "Target": attribute.target, "Rel": attribute.rel_type}


async def targets_of(tx: AsyncManagedTransaction, db: Database, workspace: str,
                     attribute: AttributeDef, holders: list[str]) -> dict[str, list[dict]]:
    """Each holder's current targets, most recently written first."""
    result = await tx.run(
        db.queries["references/targets_of"](**_pattern(attribute)), workspace=workspace,
        holders=holders, outgoing=attribute.direction == "out",
    )
    out: dict[str, list[dict]] = defaultdict(list)
    async for row in result:
        out[row["holder"]].append(
            {"id": row["id"], "external_id": row["external_id"], "rel": row["rel"]})
    return out


async def targets_page(tx: AsyncManagedTransaction, db: Database, workspace: str, attribute: AttributeDef,
                       holders: list[str], *, skip: int = 0, limit: int) -> dict[str, list[dict]]:
    """A page of each holder's targets, most recently written first, cut in Neo4j."""
    result = await tx.run(
        db.queries["references/targets_page"](**_pattern(attribute)), workspace=workspace,
        holders=holders, outgoing=attribute.direction == "out", skip=skip, limit=limit,
        with_properties=bool(attribute.properties),
    )
    out: dict[str, list[dict]] = defaultdict(list)
    async for row in result:
        target = {"id": row["id"], "external_id": row["external_id"]}
        if attribute.properties:
            target["properties"] = declared_properties(attribute, row["properties"])
        out[row["holder"]].append(target)
    return out


async def reference_counts(tx: AsyncManagedTransaction, db: Database, workspace: str, type_def, holder: str,
                           cardinalities: tuple[str, ...] = ("many",)) -> dict[str, int]:
    """For each reference attribute of ``type_def`` of these cardinalities: how many
    targets ``holder`` has."""
    counts = {}
    for attribute in type_def.attributes.values():
        if attribute.is_reference and attribute.cardinality in cardinalities:
            row = await (await tx.run(db.queries["references/count_of"](**_pattern(attribute)), workspace=workspace,
                                      holder=holder, outgoing=attribute.direction == "out")).single()
            counts[attribute.name] = row["count"] if row else 0
    return counts


def shown_target(attribute: AttributeDef, found: dict) -> dict:
    """A target as a reference shows it: with the association's declared properties, if
    it declares any (read raw from a traversal's inline targets, or already as JSON)."""
    target = {"id": found["id"], "type": attribute.target, "external_id": found["external_id"]}
    if attribute.properties:
        target["properties"] = declared_properties(attribute, found.get("properties"))
    return target


def declared_properties(attribute: AttributeDef, stored: dict | None) -> dict:
    """A relationship's values of the reference's declared properties, as JSON."""
    return {p.name: to_json(stored[p.name]) for p in attribute.properties if (stored or {}).get(p.name) is not None}


async def write_references(
    tx: AsyncManagedTransaction, db: Database, workspace: str, attribute: AttributeDef,
    rows: list[RefRow], *, mode: Literal["replace", "add"], reassign: bool,
) -> None:
    """Write one attribute's references. The caller has locked every node involved
    (``lock_nodes``) and read ``attribute`` after taking the locks."""
    q = db.queries
    holder_one = attribute.cardinality == "one"
    target_one = attribute.inverse_cardinality == "one"
    outgoing = attribute.direction == "out"

    if target_one:
        _refuse_shared_targets(attribute, rows)
        pairs = [{"holder": r.holder, "target": t} for r in rows for t in r.targets]
        result = await tx.run(q["references/holders_of"](**_pattern(attribute)),
                              workspace=workspace, rows=Bulk(pairs), outgoing=outgoing)
        taken = [row async for row in result]
        if taken and not reassign:
            first = taken[0]
            index = next(r.index for r in rows if first["target"] in r.targets)
            target = f"{attribute.target} {first['target_external_id'] or first['target']}"
            holder = f"{attribute.type} {first['holder_external_id'] or first['holder_id']}"
            raise CardinalityConflict(
                (f"{target} already has a {attribute.inverse_name} ({holder})"
                 if attribute.inverse_name else f"{target} is already the {attribute.name} of {holder}")
                + "; pass \"on_conflict\": \"reassign\" to move it",
                details={
                    "attribute": attribute.name,
                    "holder": {"id": first["holder_id"], "type": attribute.type,
                               "external_id": first["holder_external_id"]},
                    "target": first["target"], "target_type": attribute.target,
                    "target_external_id": first["target_external_id"], "index": index,
                    "conflicts": len(taken),
                },
            )
        await delete_relationships(tx, db, workspace, attribute, [t["rel"] for t in taken])

    existing = [r.holder for r in rows if not r.new]
    if (mode == "replace" or holder_one) and existing:
        current = await targets_of(tx, db, workspace, attribute, existing)
        stale = []
        for row in rows:
            # replace: the given targets are the new set; add to a `one`: the new one replaces
            stale += [t["rel"] for t in current.get(row.holder, []) if t["id"] not in row.targets]
        await delete_relationships(tx, db, workspace, attribute, stale)

    merges = [
        {"source": row.holder, "target": t, "props": row.properties.get(t, {})} if outgoing
        else {"source": t, "target": row.holder, "props": row.properties.get(t, {})}
        for row in rows for t in row.targets
    ]
    await merge_relationships(tx, db, workspace, attribute, merges)
    if attribute.limits:
        await check_limits(tx, db, workspace, attribute, merges)


async def merge_relationships(tx: AsyncManagedTransaction, db: Database, workspace: str, attribute: AttributeDef,
                              merges: list[dict[str, str]], *, cause: Cause | None = None) -> None:
    """Create each {source, target} relationship of ``attribute`` unless it exists; a
    ``reference.added`` event for each one created."""
    if not merges:
        return
    row = await (await tx.run(
        db.queries["references/merge"](Source=attribute.source_type, Target=attribute.target_type,
                                       Rel=attribute.rel_type),
        workspace=workspace, rows=Bulk([{"props": {}} | m for m in merges]), source_type=attribute.source_type,
        source_one=attribute.source_one, target_one=attribute.target_one,
    )).single()
    log = change_log()
    relationships_written(log, workspace, "reference.added", attribute, row["added"], cause=cause)
    relationships_written(log, workspace, "reference.updated", attribute, row["updated"], cause=cause)


async def check_limits(tx: AsyncManagedTransaction, db: Database, workspace: str, attribute: AttributeDef,
                       merges: list[dict]) -> None:
    """After the write, under the locks on both ends that every writer of these
    relationships takes: a source or target of this write with more associations holding
    a limited value than its limit allows is a 409 naming the others that hold it."""
    for limit in attribute.limits:
        for at_source, most in ((True, limit.max_per_source), (False, limit.max_per_target)):
            if most is None:
                continue
            ends = sorted({m["source"] if at_source else m["target"] for m in merges
                           if m["props"].get(limit.property) == limit.value})
            if not ends:
                continue
            end, other = ((attribute.source_type, attribute.target_type) if at_source
                          else (attribute.target_type, attribute.source_type))
            row = await (await tx.run(
                db.queries["references/over_limit"](End=end, Other=other, Rel=attribute.rel_type),
                workspace=workspace, ends=ends, at_source=at_source, property=limit.property,
                value=limit.value, most=most)).single()
            if row is not None:
                raise limit_conflict(attribute, limit, at_source, most, row, merges)


async def limit_excess(tx, db: Database, workspace: str, attribute: AttributeDef, limits=None) -> list:
    """For each of ``limits`` (the attribute's) and side, sources first: (limit, at_source,
    most, the ends over it, each with the associations holding the value, most recent first)."""
    out = []
    for limit in attribute.limits if limits is None else limits:
        for at_source, most in ((True, limit.max_per_source), (False, limit.max_per_target)):
            if most is None:
                continue
            end, other = ((attribute.source_type, attribute.target_type) if at_source
                          else (attribute.target_type, attribute.source_type))
            result = await tx.run(db.queries["references/limit_excess"](End=end, Other=other, Rel=attribute.rel_type),
                                  workspace=workspace, at_source=at_source, property=limit.property,
                                  value=limit.value, most=most)
            rows = [dict(row) async for row in result]
            if rows:
                out.append((limit, at_source, most, rows))
    return out


def limit_conflict(attribute: AttributeDef, limit, at_source: bool, most: int, row, merges: list[dict]) -> Conflict:
    """The 409 of a limit: the node over it and those of its associations with the value
    that this write did not give (the holders that were there first)."""
    mine = {m["target"] if at_source else m["source"] for m in merges}
    others = sorted([o for o in row["others"] if o["id"] not in mine] or row["others"],
                    key=lambda o: (o["external_id"] or "", o["id"]))
    end_type, other_type = ((attribute.source_type, attribute.target_type) if at_source
                            else (attribute.target_type, attribute.source_type))
    node = f"{end_type} {row['external_id'] or row['id']}"
    held = ", ".join(f"{other_type} {o['external_id'] or o['id']}" for o in others[:5])
    return LimitConflict(
        f"{node} may have at most {most} {attribute.rel_type.lower()} association"
        f"{'s' if most > 1 else ''} with {limit.property}={limit.value}, and {held} "
        f"{'holds' if len(others) == 1 else 'hold'} it; nothing was written",
        details={"attribute": attribute.name, "limit": limit.as_json(), "node": {"id": row["id"], "type": end_type,
                 "external_id": row["external_id"]},
                 "holders": [{"type": other_type, **o} for o in others[:100]]})


def _refuse_shared_targets(attribute: AttributeDef, rows: list[RefRow]) -> None:
    """Two holders in one write asking for the same target whose side is `one`."""
    seen: dict[str, RefRow] = {}
    for row in rows:
        for target in row.targets:
            other = seen.get(target)
            if other is not None and other.holder != row.holder:
                raise CardinalityConflict(
                    f"records {other.index} and {row.index} both set {attribute.name} to "
                    f"{attribute.target} {target}, which can have only one",
                    details={"attribute": attribute.name, "target": target,
                             "errors": [{"index": row.index, "code": "cardinality_conflict",
                                         "message": f"{target} is also given to record {other.index}"}]},
                )
            seen[target] = row


async def delete_relationships(tx: AsyncManagedTransaction, db: Database, workspace: str,
                               attribute: AttributeDef, rels: list[str], *, cause: Cause | None = None) -> None:
    """Delete these relationships of ``attribute`` (by element id); a ``reference.removed``
    event for each."""
    if not rels:
        return
    row = await (await tx.run(db.queries["references/delete_by_element_id"](), rels=rels)).single()
    relationships_written(change_log(), workspace, "reference.removed", attribute, row["removed"], cause=cause)
