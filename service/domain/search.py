"""Search requests checked against the schema: pure, no I/O.

A search is a filter tree (``And`` / ``Or`` / ``Not`` of ``Condition``) and a sort. The
query string says the common case (``where=status=shipped&where=total>=100`` are all
ANDed; ``sort=-placed_on,id``); ``POST .../search`` takes the whole tree as JSON.
A condition is on one of the type's attributes, an instance field (``id``,
``external_id``, ``created_at``, ``updated_at``), or, one hop away, an attribute of a
reference's targets (``customer.email``: some target holds it). Values are converted to
the attribute's data type (``rules_of``), so comparisons are typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from service.domain.data_types import ValueProblem, rules_for, rules_of
from service.domain.schema import AttributeDef, DataType, TypeDef
from service.domain.suggest import did_you_mean, suggested
from service.errors import InvalidInput

MAX_CONDITIONS = 50
MAX_DEPTH = 6
MAX_SORT = 4
MAX_CURSOR = 16_384  # characters of any list's cursor, checked before it is decoded
ORDERED = ("=", "!=", "<", "<=", ">", ">=", "in", "is_null")
SEARCH_OPERATORS: dict[DataType, tuple[str, ...]] = {
    DataType.string: (*ORDERED, "contains", "starts_with"),
    DataType.integer: ORDERED, DataType.float: ORDERED, DataType.date: ORDERED, DataType.datetime: ORDERED,
    DataType.boolean: ("=", "!=", "is_null"),
    DataType.enum: ("=", "!=", "in", "is_null"),
    DataType.string_list: ("=", "contains", "is_null"),  # = and contains: the list holds the value
    DataType.enum_list: ("=", "contains", "is_null"),
}
LISTS = (DataType.string_list, DataType.enum_list)
TEMPORAL = (DataType.date, DataType.datetime)
WORD_OPERATORS = ("in", "contains", "starts_with", "is_null")
# where=total>=100, or a word operator between spaces: where=status in shipped|lost
SYMBOLIC = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_.\[\]]*)(?P<op><=|>=|!=|=|<|>)(?P<value>.*)$", re.S)
WORDED = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_.\[\]]*) (?P<op>in|contains|starts_with|is_null)(?: (?P<value>.*))?$",
                    re.S)
ON_RELATIONSHIP = re.compile(r"^(?P<reference>[A-Za-z][A-Za-z0-9_]*)\[(?P<property>[A-Za-z][A-Za-z0-9_]*)\]$")
FIELDS = {"id": DataType.string, "external_id": DataType.string,
          "created_at": DataType.datetime, "updated_at": DataType.datetime}


@dataclass(frozen=True)
class Condition:
    key: str  # the property compared (a unique attribute's copy under its constraint)
    op: str
    value: Any
    data_type: DataType
    via: AttributeDef | None = None  # a reference: some target's property holds
    on_relationship: bool = False  # the property is the association's (contacts[role]), not the target's


@dataclass(frozen=True)
class Group:
    kind: str  # and, or, not
    items: tuple[Union[Condition, "Group"], ...]


Node = Union[Condition, Group]


@dataclass(frozen=True)
class SortKey:
    key: str
    name: str  # as the client wrote it
    descending: bool
    data_type: DataType


@dataclass(frozen=True)
class Search:
    """What one page of a search asks: the filter, the sort and, after the first page,
    the sort values of the last object seen (``after``: JSON, temporal values as text)."""
    where: Node | None
    sort: tuple[SortKey, ...]
    after: tuple[Any, ...] | None = None

    def signature(self) -> str:
        """What a cursor must have been made for: the sort."""
        return ",".join(("-" if k.descending else "") + k.name for k in self.sort)


def _problem(message: str, **details: Any) -> InvalidInput:
    return InvalidInput(message, code="invalid_filter", details=details)


def _field(type_def: TypeDef, name: str) -> tuple[str, DataType, AttributeDef | None]:
    """(the property, its data type, the attribute) for a key of ``type_def``."""
    if name in FIELDS:
        return name, FIELDS[name], None
    attribute = type_def.attribute(name)
    if attribute is None or attribute.is_reference:
        values = [*sorted(a.name for a in type_def.attributes.values() if not a.is_reference), *FIELDS]
        raise InvalidInput(f"{type_def.name} has no attribute {name!r} to search on{did_you_mean(name, values)} "
                           f"(it has {', '.join(values)})", code="unknown_attribute",
                           details={"attribute": name, **suggested(name, values)})
    return (attribute.unique_key if attribute.unique else attribute.name), attribute.data_type, attribute


def condition(types: dict[str, TypeDef], type_def: TypeDef, name: str, op: str, value: Any, *,
              text: bool) -> Condition:
    """One condition; ``value`` is text (a query string's) or JSON (a search body's)."""
    via = None
    association = ON_RELATIONSHIP.match(name)
    if association is not None:  # contacts[role]: some association of the reference holds it
        via = type_def.attribute(association["reference"])
        definition = via.property(association["property"]) if via is not None and via.is_reference else None
        if definition is None:
            raise _problem(f"{name!r}: <reference>[<property>] names a property of one of {type_def.name}'s "
                           "references", attribute=name)
        allowed = SEARCH_OPERATORS[definition.data_type]
        if op not in allowed:
            raise _problem(f"{name} is {definition.data_type.value}: use {', '.join(allowed)}", attribute=name, op=op)
        value = _operand(definition, definition.data_type, op, value, text=text, name=name)
        return Condition(definition.name, op, value, definition.data_type, via, on_relationship=True)
    if "." in name:
        hop, _, rest = name.partition(".")
        via = type_def.attribute(hop)
        if via is None or not via.is_reference or "." in rest:
            raise _problem(f"{name!r}: a condition one hop away is <reference>.<attribute>, and "
                           f"{type_def.name} has no reference {hop!r}", attribute=name)
        type_def, name = types[via.target.lower()], rest
    key, data_type, attribute = _field(type_def, name)
    allowed = SEARCH_OPERATORS[data_type]
    if op not in allowed:
        raise _problem(f"{name} is {data_type.value}: use {', '.join(allowed)}", attribute=name, op=op)
    return Condition(key, op, _operand(attribute, data_type, op, value, text=text, name=name), data_type, via)


def _operand(attribute: AttributeDef | None, data_type: DataType, op: str, value: Any, *, text: bool, name: str) -> Any:
    rules = rules_of(attribute) if attribute is not None else None
    try:
        if op == "is_null":
            if text:
                return True if value in (None, "") else {"true": True, "false": False}[value.lower()]
            if not isinstance(value, bool):
                raise ValueProblem("is_null takes true or false")
            return value
        if op == "in":
            items = value.split("|") if text else value
            if not isinstance(items, list) or not 1 <= len(items) <= 1000:
                raise ValueProblem("in takes a list of 1 to 1000 values (text: separated by |)")
            return [_one(rules, data_type, item, text=text) for item in items]
        return _one(rules, data_type, value, text=text)
    except (ValueProblem, KeyError, AttributeError) as exc:
        raise InvalidInput(f"where {name}: must be {data_type.value}: {exc}", code="invalid_value",
                           details={"attribute": name}) from None


def _one(rules, data_type: DataType, value: Any, *, text: bool) -> Any:
    rules = rules or rules_for(data_type)  # an instance field: a string, or a datetime
    if data_type in LISTS:  # the list holds one value
        return rules.filter_operand(value)
    return rules.parse(value) if text else rules.from_json(value)


def parse_where(types: dict[str, TypeDef], type_def: TypeDef, raw: list[str]) -> Group | None:
    """``where=`` texts, all of which must hold."""
    if len(raw) > MAX_CONDITIONS:
        raise InvalidInput(f"at most {MAX_CONDITIONS} where= filters are allowed", code="too_many_filters")
    items = []
    for text in raw:
        match = WORDED.match(text) or SYMBOLIC.match(text)
        if match is None:
            raise _problem(f"where={text[:80]!r} is not <attribute><op><value> (op one of = != < <= > >=) "
                           f"nor '<attribute> <op> <value>' (op one of {', '.join(WORD_OPERATORS)})",
                           where=text[:200])
        try:
            items.append(condition(types, type_def, match["key"], match["op"], match["value"], text=True))
        except InvalidInput as exc:
            raise _reversed_operator(match, text) or exc from None
    return Group("and", tuple(items)) if items else None


def _reversed_operator(match: re.Match, text: str) -> InvalidInput | None:
    """For ``total=>400`` (or ``=<``), whose value was refused: the operator written the
    other way round, said so."""
    value = match["value"] or ""
    if match["op"] != "=" or value[:1] not in ("<", ">"):
        return None
    meant = f"{value[0]}="
    return _problem(f"where={text[:80]!r}: the operator is written {meant!r}; write "
                    f"{match['key']}{meant}{value[1:]}", where=text[:200])


def parse_tree(types: dict[str, TypeDef], type_def: TypeDef, tree: Any) -> Node | None:
    """A search body's ``where``: ``{"and": [...]}``, ``{"or": [...]}``, ``{"not": {...}}``
    or ``{"attribute": ..., "op": ..., "value": ...}``."""
    count = [0]

    def node(item: Any, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _problem(f"the filter nests deeper than {MAX_DEPTH} levels")
        if not isinstance(item, dict):
            raise _problem("each filter is an object: {and: [...]}, {or: [...]}, {not: {...}} or "
                           "{attribute, op, value}")
        if set(item) in ({"and"}, {"or"}):
            kind, items = next(iter(item.items()))
            if not isinstance(items, list) or not items:
                raise _problem(f"{kind} takes a non-empty list of filters")
            return Group(kind, tuple(node(i, depth + 1) for i in items))
        if set(item) == {"not"}:
            return Group("not", (node(item["not"], depth + 1),))
        if not {"attribute", "op"} <= set(item) <= {"attribute", "op", "value"} or not isinstance(
                item["attribute"], str) or not isinstance(item["op"], str):
            raise _problem("a condition is {attribute, op, value} (value left out only for is_null)")
        count[0] += 1
        if count[0] > MAX_CONDITIONS:
            raise InvalidInput(f"at most {MAX_CONDITIONS} conditions are allowed", code="too_many_filters")
        value = item.get("value", True if item["op"] == "is_null" else None)
        return condition(types, type_def, item["attribute"], item["op"], value, text=False)

    return None if tree is None else node(tree, 1)


def parse_sort(type_def: TypeDef, text: str | None) -> tuple[SortKey, ...]:
    """``sort=-placed_on,total`` (``-``: descending); ``id`` always ends it, so the order
    is total and stable. Lists cannot be sorted on."""
    keys, seen = [], set()
    for part in [p.strip() for p in (text or "").split(",") if p.strip()]:
        words = part.split()
        if len(words) == 2 and words[1].lower() in ("asc", "desc"):
            written = f"-{words[0]}" if words[1].lower() == "desc" else words[0]
            raise _problem(f"sort: write {written!r} for {part!r} (a - before an attribute sorts it "
                           "descending)", sort=text)
        descending, name = part.startswith("-"), part.lstrip("-")
        key, data_type, _ = _field(type_def, name)
        if data_type in LISTS:
            raise _problem(f"sort: {name} is a list and cannot be sorted on", sort=text)
        if name in seen:
            raise _problem(f"sort: {name} is given twice", sort=text)
        seen.add(name)
        keys.append(SortKey(key, name, descending, data_type))
        if name == "id":
            break
    if len(keys) > MAX_SORT:
        raise _problem(f"sort by at most {MAX_SORT} attributes", sort=text)
    if "id" not in seen:
        keys.append(SortKey("id", "id", False, DataType.string))
    return tuple(keys)
