"""Traversal requests checked against the schema: pure, no I/O.

A path is a chain of reference attribute names (inverse names included), read from the
start type: ``orders.items`` from a Person is Person.orders, then Order.items. Filters
apply to the attributes of the type at the end of the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.domain.data_types import ValueProblem, rules_of
from service.domain.schema import TypeDef
from service.domain.schema_rules import reference_attribute, require_type
from service.errors import InvalidInput

MAX_HOPS = 6
MAX_FILTERS = 10
OPERATORS = ("<=", ">=", "!=", "=", "<", ">")  # longest first, so ">=" is not read as ">"
FILTER = re.compile(r"^(?P<attribute>[A-Za-z_][A-Za-z0-9_]*)(?P<op><=|>=|!=|=|<|>)(?P<value>.*)$", re.S)


@dataclass(frozen=True)
class Hop:
    attribute: str
    rel_type: str
    outgoing: bool  # the relationship starts at the node we come from
    target: str  # the label we arrive at


@dataclass(frozen=True)
class Walk:
    hops: list[Hop]
    keep_paths: bool  # every path to each end node, not only the distinct end nodes


@dataclass(frozen=True)
class Filter:
    attribute: str
    op: str
    value: Any

    def as_param(self) -> dict[str, Any]:
        return {"key": self.attribute, "op": self.op, "value": self.value}


def plan_path(types: dict[str, TypeDef], start: TypeDef, path: str) -> list[Hop]:
    """The hops of ``path`` from ``start``, or 422 naming the first name that is not a
    reference attribute of the type reached so far."""
    names = path.split(".") if path else []
    if not names or any(not n for n in names):
        raise InvalidInput("path must be reference attribute names separated by dots, "
                           "e.g. orders.items", code="invalid_path", details={"path": path})
    if len(names) > MAX_HOPS:
        raise InvalidInput(f"path has {len(names)} hops; at most {MAX_HOPS} are allowed",
                           code="path_too_long", details={"path": path, "max_hops": MAX_HOPS})
    hops, current = [], start
    for position, name in enumerate(names, start=1):
        try:
            attribute = reference_attribute(current, name)
        except InvalidInput as exc:
            raise InvalidInput(f"{exc.message} (hop {position} of {path!r})", code=exc.code,
                               details={**exc.details, "path": path, "hop": position}) from None
        hops.append(Hop(attribute=name, rel_type=attribute.rel_type,
                        outgoing=attribute.direction == "out", target=attribute.target))
        current = require_type(types, attribute.target)
    return hops


def parse_filters(end: TypeDef, raw: list[str]) -> list[Filter]:
    """``where=total>=100`` (repeatable, all must hold) on the end type's attributes;
    the value is converted to the attribute's data type, so comparisons are typed. On a
    string list, ``tags=vip`` means "contains"."""
    if len(raw) > MAX_FILTERS:
        raise InvalidInput(f"at most {MAX_FILTERS} where= filters are allowed", code="too_many_filters")
    filters = []
    for text in raw:
        match = FILTER.match(text)
        if match is None:
            raise InvalidInput(
                f"where={text[:80]!r} is not <attribute><op><value> with op one of "
                f"{', '.join(OPERATORS)}", code="invalid_filter", details={"where": text[:200]})
        name, op, value = match["attribute"], match["op"], match["value"]
        attribute = end.attribute(name)
        if name in ("id", "external_id"):
            filters.append(Filter(name, op, value))
            continue
        if attribute is None or attribute.is_reference:
            raise InvalidInput(f"{end.name} has no attribute {name!r} to filter on",
                               code="unknown_attribute", details={"where": text[:200], "attribute": name})
        rules = rules_of(attribute)
        if op not in rules.operators:
            raise InvalidInput(f"{name} is {attribute.data_type.value}: use {rules.operators_in_words()}",
                               code="invalid_filter", details={"where": text[:200]})
        try:
            filters.append(Filter(name, rules.operators[op], rules.filter_operand(value)))
        except ValueProblem as exc:
            raise InvalidInput(f"where {name}: must be {attribute.data_type.value}: {exc}",
                               code="invalid_value", details={"where": text[:200], "attribute": name}) from None
    return filters
