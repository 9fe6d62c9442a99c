"""Change events: what a committed write changed, as other systems read it. Pure: no I/O.

Every write transaction that changes something records one *event batch* with it, in
the same transaction (a transactional outbox): an event exists if and only if its change
committed. A batch holds the transaction's events in order; each event says what
changed (an object, a reference between two objects, a type or an attribute) and why
(its *cause*: the route, the batch, the connector run, the cascade ...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from service.domain.schema import AttributeDef
from service.domain.values import to_json
from service.errors import InvalidInput

EVENT_TYPES = (
    "object.created", "object.updated", "object.deleted", "reference.added", "reference.updated", "reference.removed",
    "type.created", "type.updated", "type.deleted", "attribute.created", "attribute.updated",
    "attribute.deleted",
)
CAUSE_KINDS = ("api", "batch", "connector_run", "selection", "cascade", "cardinality_change", "restore",
               "intercom", "options_change", "limit_change")
PATTERN = re.compile(r"^(\*|[a-z]+\.(\*|[a-z]+))$")
MAX_PATTERNS = 20
# A feed position as the feed writes it; both numbers are Neo4j integers (64-bit).
POSITION = re.compile(r"(0|[1-9][0-9]*)\.(-1|0|[1-9][0-9]*)", re.ASCII)
MAX_INT = 2**63 - 1
MAX_POSITION = 2 * len(str(MAX_INT)) + 2


@dataclass(frozen=True)
class Cause:
    kind: str
    id: str | None = None
    request_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.id is not None:
            out["id"] = self.id
        if self.request_id is not None:
            out["request_id"] = self.request_id
        return out

    def because(self, kind: str, cause_id: str | None = None) -> Cause:
        """The same request, another reason (a cascade, a connector run ...)."""
        return Cause(kind, cause_id, self.request_id)


def ref(type_name: str, object_id: str | None, external_id: str | None) -> dict[str, Any]:
    """An object as events name it."""
    return {"type": type_name, "id": object_id, "external_id": external_id}


@dataclass
class ChangeLog:
    """One transaction's events, in the order they happened, and the cause most share."""
    cause: Cause
    workspace: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, workspace: str, event_type: str, obj: dict[str, Any], *, cause: Cause | None = None,
            **fields: Any) -> None:
        if self.workspace is None:
            self.workspace = workspace
        elif workspace != self.workspace:  # one batch, one workspace: a write never spans two
            raise AssertionError(f"events of {workspace!r} in a write of {self.workspace!r}")
        event = {"type": event_type, "object": obj, **{k: v for k, v in fields.items() if v is not None}}
        if cause is not None and cause != self.cause:
            event["cause"] = cause.as_dict()
        self.events.append(event)

    def reference(self, workspace: str, event_type: str, attribute: AttributeDef, source: dict[str, Any],
                  target: dict[str, Any], *, cause: Cause | None = None) -> None:
        """``reference.added`` or ``.removed`` of one relationship, named from its source:
        the forward attribute and its inverse, whichever end was written."""
        forward, inverse = forward_names(attribute)
        self.add(workspace, event_type, source, attribute=forward, inverse=inverse, target=target, cause=cause)


def object_written(log: ChangeLog, workspace: str, obj: dict[str, Any], *, created: bool,
                   before: list[list[Any]], props: dict[str, Any], cause: Cause | None = None) -> None:
    """``object.created``, or ``object.updated`` with ``changes: {attribute: [old, new]}``
    for the values a write changed (``before``: [key, old stored value] pairs; refgraph's
    own keys, such as a unique attribute's copy, start with ``_`` and are left out)."""
    if created:
        log.add(workspace, "object.created", obj, cause=cause)
    elif before:
        changes = {key: [to_json(old), to_json(props.get(key))] for key, old in before if not key.startswith("_")}
        if changes:
            log.add(workspace, "object.updated", obj, changes=changes, cause=cause)


def linked_written(log: ChangeLog, workspace: str, type_name: str, attribute: AttributeDef,
                   rows: list[dict[str, Any]], result: dict[str, list], external_ids: dict[str, str | None]) -> None:
    """The events of the one-pass ingest (``objects/upsert_and_link``): each record's
    object event, then the targets its reference attribute dropped and added."""
    for row, object_id, created, before, removed, added in zip(
            rows, result["ids"], result["created"], result["before"], result["removed"], result["added"]):
        source = ref(type_name, object_id, row["external_id"])
        object_written(log, workspace, source, created=created, before=before, props=row["props"])
        for target_id, target_external_id in removed:
            log.reference(workspace, "reference.removed", attribute, source,
                          ref(attribute.target, target_id, target_external_id))
        for target_id in (row["targets"] if created and row["touch"] else added):
            log.reference(workspace, "reference.added", attribute, source,
                          ref(attribute.target, target_id, external_ids.get(target_id)))


def relationships_written(log: ChangeLog, workspace: str, event_type: str, attribute: AttributeDef,
                          ends: list[list[Any]], *, cause: Cause | None = None) -> None:
    """``reference.added`` or ``.removed`` for each relationship of ``attribute`` given by
    its ends ([source id, source external id, target id, target external id]), once each."""
    seen = set()
    for source_id, source_external_id, target_id, target_external_id in ends:
        if (source_id, target_id) in seen:
            continue
        seen.add((source_id, target_id))
        log.reference(workspace, event_type, attribute, ref(attribute.source_type, source_id, source_external_id),
                      ref(attribute.target_type, target_id, target_external_id), cause=cause)


def deleted_objects(log: ChangeLog, workspace: str, types: dict[str, Any], gone: list[tuple[str, str, str | None]],
                    relationships: list[list[Any]], *, root: str, cascade: Cause) -> None:
    """A delete's events: ``object.deleted`` for each object ((type, id, external id);
    all but ``root`` caused by the cascade) and ``reference.removed`` for each relationship
    that went with them ([type, source type, source id, source external id, target id,
    target external id]), caused by the cascade too."""
    forward = {(a.rel_type, a.type): a for t in types.values() for a in t.attributes.values()
               if a.is_reference and a.direction == "out"}
    for type_name, object_id, external_id in gone:
        log.add(workspace, "object.deleted", ref(type_name, object_id, external_id),
                cause=None if object_id == root else cascade)
    for rel_type, source_type, source_id, source_external_id, target_id, target_external_id in relationships:
        attribute = forward.get((rel_type, source_type))
        if attribute is not None:
            log.reference(workspace, "reference.removed", attribute, ref(source_type, source_id, source_external_id),
                          ref(attribute.target, target_id, target_external_id), cause=cascade)


def schema_changed(log: ChangeLog, workspace: str, event_type: str, type_name: str, *,
                   attribute: str | None = None, changes: dict[str, list[Any]] | None = None) -> None:
    """``type.*`` and ``attribute.*`` events: ``object`` names the type."""
    log.add(workspace, event_type, {"type": type_name}, attribute=attribute, changes=changes or None)


def edits_of(before: Any, edits: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the edits that change a definition (a type or an attribute)."""
    return {key: [getattr(before, key, None), value] for key, value in edits.items()
            if getattr(before, key, None) != value}


def forward_names(attribute: AttributeDef) -> tuple[str, str | None]:
    """(the attribute on the relationship's source, its inverse on the target)."""
    if attribute.direction == "out":
        return attribute.name, attribute.inverse_name
    return attribute.inverse_name or attribute.name, attribute.name


def parse_patterns(text: str | None) -> tuple[str, ...]:
    """``types=object.*,reference.added`` as patterns; empty: every event."""
    if not text:
        return ()
    patterns = tuple(p.strip() for p in text.split(",") if p.strip())
    bad = [p for p in patterns if not PATTERN.match(p) or not any(matches((p,), t) for t in EVENT_TYPES)]
    if bad or len(patterns) > MAX_PATTERNS:
        raise InvalidInput(f"types: {bad[0]!r} names no event type" if bad else
                           f"types: at most {MAX_PATTERNS} patterns", code="invalid_event_types",
                           details={"event_types": list(EVENT_TYPES)})
    return patterns


def matches(patterns: tuple[str, ...], event_type: str) -> bool:
    """Whether ``event_type`` is one of ``patterns`` (``*``, ``object.*``, ``object.created``)."""
    if not patterns:
        return True
    family = event_type.split(".", 1)[0] + ".*"
    return any(p in ("*", family, event_type) for p in patterns)


@dataclass(frozen=True, order=True)
class Position:
    """A place in a workspace's feed: after event ``index`` of batch ``seq`` (batches are
    numbered in commit order)."""
    seq: int = 0
    index: int = -1

    def text(self) -> str:
        return f"{self.seq}.{self.index}"

    @classmethod
    def parse(cls, text: str | None) -> Position:
        """The position a ``next_cursor`` names: ``<seq>.<index>`` in the digits the feed
        writes, each within Neo4j's 64-bit integers; anything else is refused as it is."""
        if text is None:
            return cls()
        found = POSITION.fullmatch(text) if len(text) <= MAX_POSITION else None
        if found is None or int(found[1]) > MAX_INT or int(found[2]) > MAX_INT:
            shown = text if len(text) <= 40 else text[:40] + "..."
            raise InvalidInput(f"after: {shown!r} is not a position the feed gave out (<batch>.<event>, "
                               "from next_cursor); start again without it", code="invalid_cursor",
                               details={"field": "after"})
        return cls(int(found[1]), int(found[2]))


@dataclass
class FeedPage:
    events: list[dict[str, Any]]
    position: Position  # after the last event examined: where the next page starts
    full: bool  # ``limit`` events were found, or the read reached its bound: there may be more at once
    positions: list[Position] = field(default_factory=list)  # each event's own
    bounded: bool = False  # the read stopped at its bound (after a whole batch), not at ``limit``


def page_of(batches: list[dict[str, Any]], after: Position, patterns: tuple[str, ...], limit: int) -> FeedPage:
    """The events after ``after`` in these batches (in commit order), those matching
    ``patterns``, at most ``limit``; each with its id, time and cause filled in. A batch
    without ``events`` holds none that match: the position passes over it."""
    page = FeedPage([], after, False)
    for batch in batches:
        if batch["events"] is None:  # holds none of the types asked for: passed unread
            page.position = max(page.position, Position(batch["seq"], batch["count"] - 1))
            continue
        cause = json.loads(batch["cause"])
        for index, event in enumerate(batch["events"]):
            position = Position(batch["seq"], index)
            if position <= after:
                continue
            if len(page.events) == limit:
                page.full = True
                return page
            page.position = position
            if matches(patterns, event["type"]):
                page.positions.append(position)
                page.events.append({"id": f"{batch['id']}.{index}", "type": event["type"],
                                    "occurred_at": batch["occurred_at"], **event,
                                    "cause": event.get("cause", cause)})
    return page
