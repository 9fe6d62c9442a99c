"""An instance as a client writes it, checked against its type: pure, no I/O.

A record's problems are collected, not raised one by one, so a batch can report every
failing record by index with every reason.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from service.domain.data_types import ValueProblem, rules_of
from service.domain.schema import MAX_PROPERTIES, AttributeDef, TypeDef
from service.domain.values import timestamp_to_graph
from service.errors import InvalidInput

MAX_BATCH = 10_000
MAX_EXTERNAL_ID = 255
MAX_ATTRIBUTES = 100  # a type's attribute quota at most, so a record names no more than that
MAX_PROBLEMS = 100  # a refusal lists at most this many problems (and says how many there were)


class TargetRef(BaseModel):
    """A reference target, by refgraph id, by the target's external id, or by the value
    of one of the target type's unique attributes (``{"match": {"email": "ada@example.com"}}``)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=64)
    external_id: str | None = Field(None, min_length=1, max_length=MAX_EXTERNAL_ID)
    match: dict[str, StrictStr | StrictInt] | None = Field(
        None, description="One unique attribute of the target type and its value")
    properties: dict[str, Any] | None = Field(
        None, max_length=MAX_PROPERTIES, description="Values of the reference's properties for this association")

    # Exactly one of id, external_id and match is checked with the record's other
    # problems (``checked_properties``), not by a validator here: a Python call per
    # target was 40% of parsing a 5,000-record batch (measured, bench/README.md).
    def misgiven(self) -> str | None:
        """What is wrong with how the target is given, or None."""
        if (self.id is None) + (self.external_id is None) + (self.match is None) != 2:
            return "give each target exactly one of 'id', 'external_id' or 'match'"
        if self.match is not None and len(self.match) != 1:
            return "a target's match gives one unique attribute and its value"
        return None

    @property
    def matched(self) -> tuple[str, str | int] | None:
        """(attribute, value) of a target given by ``match``."""
        return next(iter(self.match.items())) if self.match else None

    def described(self) -> str:
        if self.id is not None:
            return f"id {self.id!r}"
        if self.external_id is not None:
            return f"external_id {self.external_id!r}"
        name, value = self.matched
        return f"{name} {value!r}"


class ObjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_created_at: str | int | float | None = None
    external_updated_at: str | int | float | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=MAX_ATTRIBUTES)
    references: dict[str, TargetRef | list[TargetRef] | None] = Field(default_factory=dict,
                                                                      max_length=MAX_ATTRIBUTES)
    on_conflict: Literal["error", "reassign"] = "error"


class ObjectWrite(ObjectPatch):
    external_id: str | None = Field(None, min_length=1, max_length=MAX_EXTERNAL_ID)


class BatchWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[ObjectWrite] = Field(max_length=MAX_BATCH)


@dataclass
class Problem:
    index: int
    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"index": self.index, "code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass
class CheckedRecord:
    index: int
    external_id: str | None
    props: dict[str, Any]  # attribute values and external timestamps, ready to SET
    references: dict[str, list[TargetRef]]  # attribute name -> targets (empty: clear)
    reassign: bool
    given: set[str] = field(default_factory=set)  # attribute names the record sets


def new_ids(count: int) -> list[str]:
    """UUIDv7s: time-ordered, so listing by id lists by creation. The randomness of a
    whole batch comes from one ``os.urandom`` call."""
    prefix = (time.time_ns() // 1_000_000) << 80 | 0x7 << 76
    random = os.urandom(10 * count)
    ids = []
    for i in range(count):
        r = int.from_bytes(random[10 * i:10 * i + 10], "big")
        h = f"{prefix | (r >> 68) << 64 | 0b10 << 62 | (r & (1 << 62) - 1):032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


def new_id() -> str:
    return new_ids(1)[0]


class RecordChecker:
    """Checks records of one type: each attribute and its value converter are looked up
    once for a whole batch rather than once a record."""

    def __init__(self, type_def: TypeDef):
        self.type_def = type_def
        self.values = {name: (a, rules_of(a).from_json) for name, a in type_def.attributes.items()
                       if not a.is_reference}
        self.unique = [a for a in type_def.attributes.values() if a.unique]
        self.references = {name: a for name, a in type_def.attributes.items() if a.is_reference}

    def check_all(self, records: list[ObjectWrite], problems: list[Problem]) -> list[CheckedRecord | None]:
        return [self.check(record, index, problems) for index, record in enumerate(records)]

    def check(self, record: ObjectWrite | ObjectPatch, index: int,
              problems: list[Problem]) -> CheckedRecord | None:
        """The record ready to write, or None with its every problem added to ``problems``."""
        before = len(problems)
        props: dict[str, Any] = {}
        for name, value in record.attributes.items():
            planned = self.values.get(name)
            if planned is None:
                problems.append(
                    Problem(index, "invalid_value", f"{name} is a reference: set it under 'references'", name)
                    if name in self.references else
                    Problem(index, "unknown_attribute", f"{self.type_def.name} has no attribute {name!r}", name))
                continue
            attribute, convert = planned
            if value is None:
                if attribute.required:
                    problems.append(Problem(index, "required", f"{name} is required", name))
                else:
                    props[name] = None
                continue
            try:
                props[name] = convert(value)
            except ValueProblem as exc:
                problems.append(Problem(
                    index, "invalid_value", f"{name} must be {attribute.data_type.value}: {exc}", name))
        for attribute in self.unique:  # copied where the uniqueness constraint looks
            if attribute.name in props:
                props[attribute.unique_key] = props[attribute.name]
        for name in ("external_created_at", "external_updated_at"):
            value = getattr(record, name)
            if value is not None:
                try:
                    props[name] = timestamp_to_graph(value)
                except ValueProblem as exc:
                    problems.append(Problem(index, "invalid_value", f"{name}: {exc}", name))
        references: dict[str, list[TargetRef]] = {}
        for name, targets in record.references.items():
            attribute = self.references.get(name)
            if attribute is None:
                problems.append(Problem(index, "unknown_attribute",
                                        f"{self.type_def.name} has no reference attribute {name!r}", name))
                continue
            listed = checked_properties(attribute, listed_targets(targets), index, problems)
            if attribute.cardinality == "one" and len(listed) > 1:
                problems.append(Problem(index, "cardinality",
                                        f"{name} is a reference to one {attribute.target}: "
                                        f"{len(listed)} targets given", name))
            if attribute.required and not listed:
                problems.append(Problem(index, "required", f"{name} is required", name))
            references[name] = listed
        if len(problems) > before:
            return None
        return CheckedRecord(
            index=index, external_id=getattr(record, "external_id", None), props=props,
            references=references, reassign=record.on_conflict == "reassign",
            given={*record.attributes, *record.references},
        )


def check_record(type_def: TypeDef, record: ObjectWrite | ObjectPatch, index: int,
                 problems: list[Problem]) -> CheckedRecord | None:
    """One record checked (a batch uses one ``RecordChecker`` for all of its records)."""
    return RecordChecker(type_def).check(record, index, problems)


def checked_properties(attribute: AttributeDef, targets: list[TargetRef], index: int,
                       problems: list[Problem]) -> list[TargetRef]:
    """``targets`` with the properties they give converted to the reference's property
    types (``None`` clears one); each problem (a target given two ways, a property) added
    to ``problems``."""
    out = []
    for position, target in enumerate(targets):
        if (wrong := target.misgiven()) is not None:
            which = f" (target {position})" if len(targets) > 1 else ""
            problems.append(Problem(index, "invalid_value", f"{attribute.name}{which}: {wrong}", attribute.name))
            continue
        if not target.properties:
            out.append(target)
            continue
        converted = {}
        for name, value in target.properties.items():
            definition = attribute.property(name)
            if definition is None:
                declared = ", ".join(p.name for p in attribute.properties) or "none"
                problems.append(Problem(index, "unknown_attribute", f"{attribute.name} has no property {name!r} "
                                        f"(its properties: {declared})", f"{attribute.name}.{name}"))
                continue
            try:
                converted[name] = None if value is None else rules_of(definition).from_json(value)
            except ValueProblem as exc:
                problems.append(Problem(index, "invalid_value", f"{attribute.name}.{name} must be "
                                        f"{definition.data_type.value}: {exc}", f"{attribute.name}.{name}"))
        out.append(target.model_copy(update={"properties": converted}))
    return out


def listed_targets(targets: TargetRef | list[TargetRef] | None) -> list[TargetRef]:
    """A record's targets for one reference attribute as a list (None: no targets)."""
    return [] if targets is None else targets if isinstance(targets, list) else [targets]


def missing_required(type_def: TypeDef, record: CheckedRecord) -> list[Problem]:
    """For a record that creates an instance: the required attributes it leaves out."""
    return [
        Problem(record.index, "required", f"{a.name} is required", a.name)
        for a in type_def.attributes.values()
        if a.required and a.name not in record.given
    ]


def refusal(problems: list[Problem]) -> InvalidInput:
    """The one error for records with problems: the first in words, every one (up to
    ``MAX_PROBLEMS``) in ``details.errors`` with its own code."""
    problems.sort(key=lambda p: p.index)
    first = problems[0]
    return InvalidInput(
        first.message if len(problems) == 1
        else f"{len(problems)} problems, the first in record {first.index}: {first.message}",
        code="invalid_records",  # one code for any record's problems; each problem has its own
        details={"errors": [p.as_dict() for p in problems[:MAX_PROBLEMS]], "total": len(problems)},
    )


def unique_attribute(type_def: TypeDef, name: str, where: str) -> AttributeDef:
    """The unique attribute ``name`` of ``type_def`` that ``where`` (match_on, a
    reference's match) finds objects by, or a 422 naming the type's unique attributes."""
    attribute = type_def.attribute(name)
    if attribute is None or not attribute.unique:
        unique = sorted(a.name for a in type_def.attributes.values() if a.unique)
        raise InvalidInput(f"{where}: {type_def.name}.{name} is not a unique attribute; "
                           f"{'its unique attributes are ' + ', '.join(unique) if unique else 'it has none'}",
                           code="invalid_match", details={"attribute": name, "unique": unique})
    return attribute


def matched_records(type_def: TypeDef, match_on: str, records: list[CheckedRecord]) -> list[Problem]:
    """A write by ``match_on`` finds each object by that unique attribute's value, which
    every record must give; an attribute that is not unique is refused."""
    unique_attribute(type_def, match_on, "match_on")
    return [Problem(record.index, "required", f"{match_on} is required to match on it", match_on)
            for record in records if record is not None and record.props.get(match_on) is None]


def repeated_unique_values(type_def: TypeDef, records: list[CheckedRecord],
                           match_on: str | None = None) -> list[Problem]:
    """Records of one write that give one value of a unique attribute to two objects (two
    external ids, or none): the database would refuse the second. With ``match_on``, the
    records that give one value of it are one object."""
    problems = []
    for attribute in type_def.attributes.values():
        if not attribute.unique:
            continue
        first: dict[Any, CheckedRecord] = {}
        for record in records:
            value = record.props.get(attribute.name)
            if value is None:
                continue
            earlier = first.setdefault(value, record)
            same = (earlier.props.get(match_on) == record.props.get(match_on) if match_on is not None
                    else earlier.external_id is not None and earlier.external_id == record.external_id)
            if earlier is not record and not same:
                problems.append(Problem(record.index, "unique_violation",
                                        f"{attribute.name} is unique: record {earlier.index} gives "
                                        f"{value!r} too", attribute.name))
    return problems


def check_required(type_def: TypeDef, records: list[CheckedRecord], created: list[bool]) -> None:
    """Records that created an instance must give every required attribute. Checked after
    the write, which knows what it created; raising rolls the whole write back."""
    problems = [p for record, new in zip(records, created) if new
                for p in missing_required(type_def, record)]
    if problems:
        raise refusal(problems)


def one_pass_attribute(type_def: TypeDef, records: list[ObjectWrite]) -> AttributeDef | None:
    """The reference attribute of the common ingest, or None: every record has an external
    id and sets this one reference attribute, held by the source, with a `many` target side
    (so no other holder can conflict), by id or external id."""
    names = {name for r in records for name in r.references}
    if len(names) != 1 or any(r.external_id is None for r in records):
        return None
    if any(t.match is not None for r in records for given in r.references.values() for t in listed_targets(given)):
        return None
    attribute = type_def.attribute(names.pop())
    return attribute if attribute is not None and attribute.is_reference and fits_one_pass(attribute) else None


def fits_one_pass(attribute: AttributeDef) -> bool:
    """Held by the source, with a `many` target side, to another type: a write of it
    cannot conflict with another holder."""
    return (attribute.direction == "out" and attribute.inverse_cardinality == "many"
            and attribute.target != attribute.type and not attribute.properties)
