"""Traversal requests checked against the schema: pure, no I/O.

A path is a chain of reference attribute names (inverse names included), read from the
start type: ``orders.items`` from a Person is Person.orders, then Order.items. A hop may
filter its relationships' properties (``contacts[role=decision_maker]``); the end type's
``where=`` conditions are the list route's (``domain.search.parse_where``).
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
FILTER = re.compile(r"^(?P<attribute>[A-Za-z_][A-Za-z0-9_]*)(?P<op><=|>=|!=|=|<|>)(?P<value>.*)$", re.S)


@dataclass(frozen=True)
class Hop:
    attribute: str
    rel_type: str
    outgoing: bool  # the relationship starts at the node we come from
    target: str  # the label we arrive at
    filtered: bool = False  # the relationship must hold the hop's filters ($hop_filters[i])


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


STEP = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_]*)(?:\[(?P<filters>[^\]]*)\])?(?:\.|$)")


def plan_path(types: dict[str, TypeDef], start: TypeDef, path: str) -> tuple[list[Hop], list[list[Filter]]]:
    """The hops of ``path`` from ``start`` and each hop's filters on its relationships'
    properties (``contacts[role=decision_maker].orders``), or 422 naming the first name
    that is not a reference attribute of the type reached so far."""
    steps, position = [], 0
    while path and position < len(path):
        step = STEP.match(path, position)
        if step is None or step.end() == position:
            break
        steps.append(step)
        position = step.end()
    if not steps or position != len(path) or path.endswith("."):
        raise InvalidInput("path must be reference attribute names separated by dots, each with optional "
                           "filters on its properties in brackets, e.g. orders.items or "
                           "contacts[role=decision_maker].orders", code="invalid_path", details={"path": path})
    if len(steps) > MAX_HOPS:
        raise InvalidInput(f"path has {len(steps)} hops; at most {MAX_HOPS} are allowed",
                           code="path_too_long", details={"path": path, "max_hops": MAX_HOPS})
    hops, filters, current = [], [], start
    for position, step in enumerate(steps, start=1):
        try:
            attribute = reference_attribute(current, step["name"])
        except InvalidInput as exc:
            raise InvalidInput(f"{exc.message} (hop {position} of {path!r})", code=exc.code,
                               details={**exc.details, "path": path, "hop": position}) from None
        given = [f for f in (step["filters"] or "").split(",") if f] if step["filters"] is not None else []
        filters.append(_property_filters(attribute, given))
        hops.append(Hop(attribute=step["name"], rel_type=attribute.rel_type, outgoing=attribute.direction == "out",
                        target=attribute.target, filtered=bool(given)))
        current = require_type(types, attribute.target)
    return hops, filters


def _property_filters(attribute, raw: list[str]) -> list[Filter]:
    """A hop's ``[role=decision_maker,since>=2026-01-01]``: filters on its relationships."""
    out = []
    for text in raw:
        match = FILTER.match(text)
        definition = attribute.property(match["attribute"]) if match else None
        if definition is None:
            declared = ", ".join(p.name for p in attribute.properties) or "none"
            raise InvalidInput(f"{attribute.name}[{text[:80]}]: filter the reference's properties ({declared}) "
                               "as <property><op><value>", code="invalid_filter", details={"filter": text[:200]})
        rules = rules_of(definition)
        if match["op"] not in rules.operators:
            raise InvalidInput(f"{match['attribute']} is {definition.data_type.value}: use "
                               f"{rules.operators_in_words()}", code="invalid_filter", details={"filter": text[:200]})
        try:
            out.append(Filter(match["attribute"], rules.operators[match["op"]], rules.filter_operand(match["value"])))
        except ValueProblem as exc:
            raise InvalidInput(f"{attribute.name}[{match['attribute']}]: must be {definition.data_type.value}: "
                               f"{exc}", code="invalid_value", details={"filter": text[:200]}) from None
    return out
