"""Deleting an object with each reference's ``on_delete``: clear (the reference goes),
cascade (its holder goes too, transitively), restrict (409 while a holder that stays
references it). Steps inside the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from service.domain.events import deleted_objects
from service.domain.schema import TypeDef
from service.errors import Conflict
from service.store.database import Database
from service.store.change_log import change_log, current_cause
from service.store.references import targets_of

MAX_CASCADE = 100_000


async def cascade(tx, db: Database, workspace: str, types: dict[str, TypeDef], label: str,
                  object_id: str) -> dict[str, set[str]]:
    """Everything the delete removes, applying ``on_delete`` of each reference that
    points at a removed object: clear (the reference goes), cascade (its holder goes
    too, transitively), restrict (409 when a holder that stays references a removed
    object; one the cascade removes anyway does not count)."""
    rules: dict[str, dict[str, list]] = {"cascade": defaultdict(list), "restrict": defaultdict(list)}
    for t in types.values():
        for a in t.attributes.values():
            if a.is_reference and a.on_delete in rules:
                rules[a.on_delete][a.target].append(a)  # by the type it points at
    doomed: dict[str, set[str]] = defaultdict(set)
    doomed[label].add(object_id)
    frontier = {label: [object_id]}
    while frontier:
        found: dict[str, list[str]] = defaultdict(list)
        for attribute, holders in await _holders(tx, db, workspace, rules["cascade"], frontier):
            for holder_id in holders:
                if holder_id not in doomed[attribute.type]:
                    doomed[attribute.type].add(holder_id)
                    found[attribute.type].append(holder_id)
        frontier = found
        if sum(len(v) for v in doomed.values()) > MAX_CASCADE:
            raise Conflict(f"the delete would cascade to more than {MAX_CASCADE} objects",
                           code="cascade_too_large")
    removed = {lbl: sorted(ids) for lbl, ids in doomed.items()}
    for attribute, holders in await _holders(tx, db, workspace, rules["restrict"], removed):
        alive = [t for i, t in holders.items() if i not in doomed[attribute.type]]
        if alive:
            raise Conflict(
                f"{attribute.type} {alive[0]['external_id'] or alive[0]['id']} still "
                f"references it through {attribute.name} (on_delete: restrict)",
                code="restricted",
                details={"attribute": f"{attribute.type}.{attribute.name}",
                         "holders": [{"id": t["id"], "external_id": t["external_id"]}
                                     for t in alive[:20]],
                         "count": len(alive)},
            )
    return doomed


async def _holders(tx, db: Database, workspace: str, pointing: dict[str, list],
                   targets: dict[str, list[str]]) -> list[tuple[Any, dict[str, dict]]]:
    """For each attribute in ``pointing`` (by target type), the objects holding one of
    ``targets`` (type -> ids) through it: [(attribute, {holder id: holder})]."""
    out = []
    for label, ids in targets.items():
        for attribute in pointing.get(label, []):
            reverse = attribute.inverse() or attribute.with_changes(
                type=attribute.target, target=attribute.type,
                direction="in" if attribute.direction == "out" else "out")
            found = await targets_of(tx, db, workspace, reverse, ids)
            out.append((attribute, {t["id"]: t for ts in found.values() for t in ts}))
    return out


async def delete_objects(tx, db: Database, workspace: str, types: dict[str, TypeDef],
                         doomed: dict[str, set[str]], *, root: str) -> None:
    """Delete what ``cascade`` found, with its events: ``object.deleted`` for each object
    (the cascade's own caused by it) and ``reference.removed`` for each relationship that
    went with them."""
    log, gone, relationships = change_log(), [], {}
    for label, ids in doomed.items():
        row = await (await tx.run(db.queries["objects/delete"](Label=label), workspace=workspace,
                                  ids=sorted(ids))).single()
        gone += [(label, object_id, external_id) for object_id, external_id in row["deleted"]]
        relationships.update((r[0], r[1:]) for r in row["relationships"])
    deleted_objects(log, workspace, types, gone, list(relationships.values()), root=root,
                    cascade=current_cause().because("cascade", root))
