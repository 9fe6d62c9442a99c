"""The common ingest: the records the graph does not hold written in one statement, as
the raw driver would write them, and nothing written or locked for those it holds.
Every record has an external id and sets one reference attribute held by the source,
with a `many` target side, by id or external id (``domain.records.one_pass_attribute``)."""

from __future__ import annotations

from service.domain.events import linked_written
from service.domain.records import (
    ObjectWrite,
    Problem,
    RecordChecker,
    check_required,
    fits_one_pass,
    listed_targets,
    new_ids,
    refusal,
    repeated_unique_values,
)
from service.domain.schema import TypeDef
from service.store.database import Bulk, Database
from service.store.events import change_log
from service.store.record_references import found_targets, target_keys
from service.store.references import lock_nodes
from service.store.schema import read_type
from service.store.write_result import ReadChanged, SchemaChanged, WriteResult

USES = ["objects/resolve_targets", "objects/compare_linked", "objects/upsert_and_link"]
ROUNDS = 3  # writes of rows other writers keep changing, before this write starts again


async def ingest_linked(tx, db: Database, workspace: str, type_def: TypeDef, attribute,
                        records: list[ObjectWrite]) -> WriteResult:
    """The common ingest (see ``one_pass_attribute``): the batch is compared with the
    graph without locks; the records it does not hold are written in one statement (a
    re-sync of unchanged records writes nothing and takes no lock).
    Neo4j looks up the targets while Python checks the values and builds the rows.
    Problems: every value problem, else every unknown target, else missing required
    values (the general path checks required values before targets). A target deleted
    or a cardinality changed meanwhile is ``ReadChanged``: the write runs again."""
    ids, external_ids = target_keys(ref for r in records for ref in listed_targets(r.references.get(attribute.name)))
    lookup = await tx.run(db.queries["objects/resolve_targets"](Label=attribute.target),
                          workspace=workspace, ids=ids, external_ids=external_ids)
    problems: list[Problem] = []
    checked = RecordChecker(type_def).check_all(records, problems)
    if not problems:
        problems += repeated_unique_values(type_def, checked)
    if problems:
        raise refusal(problems)
    rows = [{"external_id": r.external_id, "props": r.props, "touch": attribute.name in r.references}
            for r in checked]
    pairs = (await lookup.single())["found"]
    by_id, by_external = {i: i for i, _ in pairs}, {e: i for i, e in pairs if e is not None}
    for record, row in zip(checked, rows):
        row["targets"] = list(found_targets(attribute, record, by_id, by_external, problems))
    if problems:
        raise refusal(problems)
    # A batch that names one object twice is written whole, in its order, not compared.
    duplicated = len({row["external_id"] for row in rows}) < len(rows)
    held = [[None, False]] * len(rows) if duplicated else await _held(tx, db, workspace, type_def, attribute, rows)
    if all(same for _, same in held):  # a re-sync that changes nothing: nothing locked or written
        return WriteResult(ids=[object_id for object_id, _ in held], created=[False] * len(rows),
                           changed=[False] * len(rows))
    return await _sync(tx, db, workspace, type_def, attribute, checked, rows, dict(pairs), held,
                       again=not duplicated)


async def _sync(tx, db: Database, workspace: str, type_def: TypeDef, attribute, checked, rows: list[dict],
                external_ids: dict[str, str | None], held: list[list], *, again: bool) -> WriteResult:
    """The rows the graph does not hold written under their targets' locks; then (with
    ``again``) the rows not written compared again: a writer this one waited for
    committed first and may have changed one, which is then written in turn (and the
    rest compared again). A writer that changes one after that comes after this one."""
    kept = {i: object_id for i, (object_id, same) in enumerate(held) if same}  # position: id
    pending = [i for i, (_, same) in enumerate(held) if not same]
    done: dict[int, tuple] = {}  # position: (id, created) of the rows written
    for _ in range(ROUNDS):
        for i, object_id, created, changed in zip(pending, *await _write(
                tx, db, workspace, type_def, attribute, checked, rows, external_ids, pending)):
            if changed:
                done[i] = (object_id, created)
            else:  # found held by the write: compared again like the others
                kept[i] = object_id
        pending = []
        positions = list(kept) if again else []
        for i, (object_id, same) in zip(positions, await _held(tx, db, workspace, type_def, attribute,
                                                                 [rows[i] for i in positions])):
            if same:
                kept[i] = object_id  # as found now (one deleted and made again meanwhile has a new id)
            else:
                pending.append(i)
                del kept[i]
        if not pending:
            return WriteResult(ids=[done[i][0] if i in done else kept[i] for i in range(len(rows))],
                               created=[i in done and done[i][1] for i in range(len(rows))],
                               changed=[i in done for i in range(len(rows))])
    raise ReadChanged(f"the {type_def.name} objects of this batch")  # changed under this write, again and again


async def _held(tx, db: Database, workspace: str, type_def: TypeDef, attribute, rows: list[dict]) -> list[list]:
    """For each row, [its object's id or None, whether the graph holds it already]."""
    if not rows:
        return []
    query = db.queries["objects/compare_linked"](Label=type_def.name, Rel=attribute.rel_type, Target=attribute.target)
    return (await (await tx.run(query, workspace=workspace, rows=Bulk(rows))).single())["rows"]


async def _write(tx, db: Database, workspace: str, type_def: TypeDef, attribute, checked, rows: list[dict],
                 external_ids: dict[str, str | None], at: list[int]) -> tuple[list, ...]:
    """The rows ``at`` written in one statement after their targets are locked (``lock_nodes``):
    their ids, whether each was created, whether each changed."""
    checked, rows = [checked[i] for i in at], [rows[i] for i in at]
    await lock_nodes(tx, db, workspace, {attribute.target: {t for row in rows for t in row["targets"]}})
    attribute = (await read_type(tx, db, workspace, type_def.name)).attributes[attribute.name]
    if not fits_one_pass(attribute):  # a cardinality change committed meanwhile
        raise SchemaChanged(type_def.name)
    for row, new_id in zip(rows, new_ids(len(rows))):
        row["new_id"] = new_id
    query = db.queries["objects/upsert_and_link"](
        Label=type_def.name, Rel=attribute.rel_type, Target=attribute.target)
    result = await (await tx.run(query, workspace=workspace, rows=Bulk(rows),
                                 source_one=attribute.source_one)).single()
    check_required(type_def, checked, result["created"])
    linked_written(change_log(), workspace, type_def.name, attribute, rows, result, external_ids)
    return result["ids"], result["created"], result["changed"]
