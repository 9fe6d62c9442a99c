"""The common ingest: the records the graph does not hold written as the raw driver would
write them (created outright when they have no object yet), and nothing written or
locked for those it holds.
Every record has an external id and sets one reference attribute held by the source,
with a `many` target side, by id or external id (``domain.records.one_pass_attribute``)."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from contextvars import ContextVar

from neo4j.exceptions import ConstraintError

from service.domain.events import linked_written
from service.domain.records import (
    ObjectWrite,
    Problem,
    RecordChecker,
    check_required,
    fits_one_pass,
    new_ids,
    refusal,
    repeated_unique_values,
)
from service.domain.repeats import fold_repeats
from service.domain.schema import TypeDef
from service.store.database import Bulk, Database
from service.store.change_log import change_log
from service.store.record_references import found_targets, target_keys
from service.store.references import lock_nodes
from service.store.schema import read_type
from service.store.write_result import (
    InsertRefused,
    ReadChanged,
    SchemaChanged,
    WriteResult,
)

USES = ["objects/resolve_targets", "objects/compare_linked", "objects/insert_and_link", "objects/upsert_and_link"]
ROUNDS = 3  # writes of rows other writers keep changing, before this write starts again
COMPARED_AT_ONCE = 1_000  # rows of one comparison statement (bench/README.md, issue 20's third session)
CHECKED_AT_ONCE = 250  # records checked between two turns of the event loop (about 2 ms)
_MERGE_EVERY_ROW = ContextVar("merge_every_row", default=False)


@contextmanager
def merging_every_row():
    """Writes in this context create no object with a CREATE: each row is merged by its
    external id. ``run_write`` runs a write again this way after ``InsertRefused``."""
    token = _MERGE_EVERY_ROW.set(True)
    try:
        yield
    finally:
        _MERGE_EVERY_ROW.reset(token)


async def ingest_linked(tx, db: Database, workspace: str, type_def: TypeDef, attribute,
                        records: list[ObjectWrite]) -> WriteResult:
    """The common ingest (see ``one_pass_attribute``): the batch is compared with the
    graph without locks, each row's targets by the keys it gives them; the records it
    does not hold are written (``_Sync.write``; a re-sync of unchanged records looks no
    target up, writes nothing and takes no lock).
    The comparison goes in parts of ``COMPARED_AT_ONCE`` rows, each sent as soon as its
    records are checked: Neo4j compares one part while Python checks the next, and between
    parts, and every ``CHECKED_AT_ONCE`` records checked, the event loop takes a turn
    (checking 5,000 records at once held it from every other request for tens of ms:
    bench.isolation's batch flood).
    Problems: every value problem, else every unknown target, else missing required
    values (the general path checks required values before targets). A target deleted
    or a cardinality changed meanwhile is ``ReadChanged``: the write runs again."""
    # A batch that names one object twice is checked whole, then written one record an
    # object (``fold_repeats``: the later values win), compared like any other.
    duplicated = len({r.external_id for r in records}) < len(records)
    checker, problems = RecordChecker(type_def), []
    checked: list = []
    rows: list[dict] = []
    looks = []  # the comparisons sent, one per part, read once every record is checked
    for start in range(0, len(records), COMPARED_AT_ONCE):
        part = []
        for at in range(start, min(start + COMPARED_AT_ONCE, len(records)), CHECKED_AT_ONCE):
            if at > start:
                await asyncio.sleep(0)
            part += [checker.check(r, i, problems) for i, r in enumerate(records[at:at + CHECKED_AT_ONCE], at)]
        checked += part
        if not problems and not duplicated:  # a refused batch is not compared further
            rows += (part_rows := _rows(part, attribute.name))
            looks.append(await _look(tx, db, workspace, type_def, attribute, part_rows))
        await asyncio.sleep(0)  # a turn of the event loop between parts: other requests run meanwhile
    folded = fold_repeats(checked) if duplicated and not problems else None
    if folded is not None:
        checked = folded.records
        for start in range(0, len(checked), COMPARED_AT_ONCE):
            rows += (part_rows := _rows(checked[start:start + COMPARED_AT_ONCE], attribute.name))
            looks.append(await _look(tx, db, workspace, type_def, attribute, part_rows))
    if not problems:
        problems += repeated_unique_values(type_def, checked)
    if problems:
        raise refusal(problems)
    held = [pair for look in looks for pair in await _seen(look)]
    if all(same for _, same in held):  # a re-sync that changes nothing: nothing looked up, locked or written
        result = WriteResult(ids=[object_id for object_id, _ in held], created=[False] * len(rows),
                             changed=[False] * len(rows))
    else:
        result = await _Sync(tx, db, workspace, type_def, attribute, checked, rows).run(held)
    return result if folded is None else WriteResult(*folded.spread(result.ids, result.created, result.changed))


def _rows(checked: list, name: str) -> list[dict]:
    """The rows to compare and write: each record's values, whether it sets the reference
    ``name`` (``touch``), and its targets as it gives them: ``targets`` by id,
    ``external_ids`` by external id, each in order without repeats (``_Sync.resolve``
    makes them all ids). One plain loop: it runs for every record of every batch."""
    rows = []
    for record in checked:
        refs = record.references.get(name)
        if not refs:
            ids, external_ids = [], []
        elif len(refs) == 1:  # the common case, without the dicts
            ids, external_ids = ([refs[0].id], []) if refs[0].id is not None else ([], [refs[0].external_id])
        else:
            ids = list(dict.fromkeys(ref.id for ref in refs if ref.id is not None))
            external_ids = list(dict.fromkeys(ref.external_id for ref in refs if ref.id is None))
        rows.append({"external_id": record.external_id, "props": record.props, "touch": refs is not None,
                     "targets": ids, "external_ids": external_ids})
    return rows


class _Sync:
    """The rows the graph does not hold written under their targets' locks; then the
    rows not written compared again: a writer this one waited for committed first and
    may have changed one, which is then written in turn (and the rest compared again).
    A writer that changes one after that comes after this one."""

    def __init__(self, tx, db: Database, workspace: str, type_def: TypeDef, attribute, checked, rows: list[dict]):
        self.tx, self.db, self.workspace, self.type_def, self.attribute = tx, db, workspace, type_def, attribute
        self.checked, self.rows = checked, rows
        self.resolved: set[int] = set()  # positions whose targets are ids found in the graph
        self.absent: set[int] = set()  # positions the last comparison found no object for
        self.external_ids: dict[str, str | None] = {}  # target id: its external id (for the events)

    async def run(self, held: list[list]) -> WriteResult:
        kept = {i: object_id for i, (object_id, same) in enumerate(held) if same}  # position: id
        pending = [i for i, (_, same) in enumerate(held) if not same]
        self.absent = {i for i, (object_id, _) in enumerate(held) if object_id is None}
        done: dict[int, tuple] = {}  # position: (id, created) of the rows written
        for _ in range(ROUNDS):
            await self.resolve(pending)
            compared = list(kept)
            written, look = await self.write(pending, compared)
            for i, object_id, created, changed in zip(pending, *written):
                if changed:
                    done[i] = (object_id, created)
                else:  # found held by the write: compared again like the others
                    kept[i] = object_id
                    compared.append(i)
            seen = await _seen(look) if look is not None else []
            seen += await _held(self.tx, self.db, self.workspace, self.type_def, self.attribute,
                                [self.rows[i] for i in compared[len(seen):]])
            pending = []
            for i, (object_id, same) in zip(compared, seen):
                if same:
                    kept[i] = object_id  # as found now (one deleted and made again meanwhile has a new id)
                else:
                    pending.append(i)
                    del kept[i]
                    if object_id is None:  # deleted meanwhile
                        self.absent.add(i)
            if not pending:
                return WriteResult(ids=[done[i][0] if i in done else kept[i] for i in range(len(self.rows))],
                                   created=[i in done and done[i][1] for i in range(len(self.rows))],
                                   changed=[i in done for i in range(len(self.rows))])
        raise ReadChanged(f"the {self.type_def.name} objects of this batch")  # changed again and again

    async def resolve(self, at: list[int]) -> None:
        """The targets of the rows ``at`` found (by id or external id, without locks) and
        given to them as ids; every one not found is a problem (a 422 naming it)."""
        at = [i for i in at if i not in self.resolved]
        if not at:
            return
        name = self.attribute.name
        ids, external_ids = target_keys(ref for i in at for ref in self.checked[i].references.get(name, ()))
        lookup = await self.tx.run(self.db.queries["objects/resolve_targets"](Label=self.attribute.target),
                                   workspace=self.workspace, ids=ids, external_ids=external_ids)
        pairs = (await lookup.single())["found"]
        self.external_ids.update(pairs)
        by_id, by_external = {i: i for i, _ in pairs}, {e: i for i, e in pairs if e is not None}
        problems: list[Problem] = []
        for i in at:
            row = self.rows[i]
            row["targets"] = list(found_targets(self.attribute, self.checked[i], by_id, by_external, problems))
            row["external_ids"] = []
        if problems:
            raise refusal(problems)
        self.resolved.update(at)

    async def write(self, at: list[int], compared: list[int]) -> tuple[tuple, object]:
        """The rows ``at`` written once their targets are locked (``lock_nodes``): those the
        comparison found no object for created (``objects/insert_and_link``, unless
        ``merging_every_row``), the others merged (``objects/upsert_and_link``); their
        ids, whether each was created, whether each changed. And the comparison of the
        rows ``compared`` sent right after those statements (``_look``; it runs under
        their locks, and is packed while Neo4j writes)."""
        await lock_nodes(self.tx, self.db, self.workspace,
                         {self.attribute.target: {t for i in at for t in self.rows[i]["targets"]}})
        attribute = (await read_type(self.tx, self.db, self.workspace, self.type_def.name)).attributes[
            self.attribute.name]
        if not fits_one_pass(attribute):  # a cardinality change committed meanwhile
            raise SchemaChanged(self.type_def.name)
        for i, new_id in zip(at, new_ids(len(at))):
            self.rows[i]["new_id"] = new_id
        absent = set() if _MERGE_EVERY_ROW.get() else self.absent.intersection(at)
        groups = [(query, group) for query, group in (  # updates first: they may free a unique value a new row takes
            ("objects/upsert_and_link", [i for i in at if i not in absent]),
            ("objects/insert_and_link", [i for i in at if i in absent])) if group]
        try:
            sent = [await self.tx.run(
                self.db.queries[query](Label=self.type_def.name, Rel=attribute.rel_type, Target=attribute.target),
                workspace=self.workspace, rows=Bulk([self.rows[i] for i in group]), source_one=attribute.source_one)
                for query, group in groups]
            look = await _look(self.tx, self.db, self.workspace, self.type_def, self.attribute,
                               [self.rows[i] for i in compared]) if compared else None
            answers = [dict(await result.single()) for result in sent]
        except ConstraintError as exc:
            if absent:
                raise InsertRefused(str(exc.message or exc)) from exc
            raise
        if len(answers) == 1:
            result = answers[0]
        else:  # in the order of the records, as their events go
            found_in = {i: (answer, n) for (_, group), answer in zip(groups, answers) for n, i in enumerate(group)}
            result = {column: [answer[column][n] for answer, n in map(found_in.get, at)] for column in answers[0]}
        check_required(self.type_def, [self.checked[i] for i in at], result["created"])
        linked_written(change_log(), self.workspace, self.type_def.name, attribute, [self.rows[i] for i in at],
                       result, self.external_ids)
        return (result["ids"], result["created"], result["changed"]), look


async def _look(tx, db: Database, workspace: str, type_def: TypeDef, attribute, rows: list[dict]):
    """``objects/compare_linked`` of ``rows`` sent; ``_seen`` reads its answer."""
    query = db.queries["objects/compare_linked"](Label=type_def.name, Rel=attribute.rel_type, Target=attribute.target)
    return await tx.run(query, workspace=workspace, rows=Bulk(rows))


async def _seen(look) -> list[list]:
    """For each row of a comparison, [its object's id or None, whether the graph holds it already]."""
    return (await look.single())["rows"]


async def _held(tx, db: Database, workspace: str, type_def: TypeDef, attribute, rows: list[dict]) -> list[list]:
    """For each row, [its object's id or None, whether the graph holds it already]."""
    return await _seen(await _look(tx, db, workspace, type_def, attribute, rows)) if rows else []
