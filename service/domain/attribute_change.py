"""What a PATCH of an attribute changes, decided without the database: ``plan_change``
turns the attribute and the requested change into the edits on it and on its inverse
and the cardinalities after; ``confirm_change`` decides whether a change that deletes
associations may go ahead. The store locks, reads the edges (the prune rule is
``domain.cardinality.plan_prune``) and applies the plan."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from service.domain.schema import (
    MAY_BE_UNIQUE,
    WITH_OPTIONS,
    AttributeDef,
    AttributeUpdate,
    DataType,
    Limit,
    PropertySpec,
    check_limits,
    limit_from_spec,
    options_json,
    options_of,
    options_props,
    properties_json,
    reference_props,
)
from service.errors import (
    CardinalityChangeNeedsConfirmation,
    InvalidInput,
    PlanOutdated,
)

CONFIRMED_WITHOUT_PLAN = (None, "", "true", "1", "yes")  # `confirm` values that name no plan


@dataclass(frozen=True)
class ChangePlan:
    attribute: AttributeDef
    holder: str  # the attribute's cardinality after the change
    inverse: str | None  # its inverse's, after
    edits: dict[str, Any] = field(default_factory=dict)  # on the attribute
    inverse_edits: dict[str, Any] = field(default_factory=dict)  # on its inverse
    options: tuple[tuple[str, str], ...] | None = None  # an enum's options after, when they change
    option_map: dict[str, str | None] = field(default_factory=dict)  # each removed value -> its new value
    limits: tuple[Limit, ...] | None = None  # a reference's labelled limits after, when they change

    @property
    def tightened_limits(self) -> list[Limit]:
        """The new limits existing associations may exceed: new, or lower than before."""
        if self.limits is None:
            return []
        before = {(limit.property, limit.value): limit for limit in self.attribute.limits}
        return [limit for limit in self.limits if _lower(limit, before.get((limit.property, limit.value)))]

    @property
    def removed_options(self) -> list[str]:
        """The values an options change removes (objects holding them are mapped or cleared)."""
        return list(self.option_map)

    @property
    def makes_unique(self) -> bool:
        return bool(self.edits.get("unique")) and not self.attribute.unique

    @property
    def unmakes_unique(self) -> bool:
        return self.edits.get("unique") is False and self.attribute.unique

    @property
    def changes_cardinality(self) -> bool:
        return (self.holder, self.inverse) != (self.attribute.cardinality, self.attribute.inverse_cardinality)

    @property
    def tightens(self) -> bool:
        """A side goes from `many` to `one`: associations may have to go."""
        a = self.attribute
        return (self.holder == "one" and a.cardinality == "many") or (
            self.inverse == "one" and a.inverse_cardinality == "many")

    @property
    def makes_required(self) -> bool:
        """A value attribute becomes required: every object must hold it already."""
        return bool(self.edits.get("required")) and not self.attribute.required \
            and not self.attribute.is_reference

    def attribute_after(self) -> AttributeDef:
        """The attribute's flags as the change leaves them (for the index and constraint it needs)."""
        return self.attribute.with_changes(**{k: v for k, v in self.edits.items() if k in ("unique", "indexed")})

    def described_edits(self) -> dict[str, list[Any]]:
        """``{field: [old, new]}`` for the change event; options as ``[{value, label}]``."""
        out = {key: [getattr(self.attribute, key, None), value] for key, value in self.edits.items()
               if key not in ("options", "option_labels", "limits") and getattr(self.attribute, key, None) != value}
        if self.options is not None and self.options != self.attribute.options:
            out["options"] = [options_json(self.attribute.options), options_json(self.options)]
        if self.limits is not None and self.limits != self.attribute.limits:
            out["limits"] = [[limit.as_json() for limit in self.attribute.limits],
                             [limit.as_json() for limit in self.limits]]
        return out

    def describe(self) -> str:
        return f"changing {self.attribute.type}.{self.attribute.name} to {self.holder}/{self.inverse}"


def plan_change(attribute: AttributeDef, change: AttributeUpdate) -> ChangePlan:
    """The edits ``change`` makes; ``InvalidInput`` for what may not change."""
    _immutable("name", attribute.name, change.name, "an attribute's name")
    _immutable("data_type", attribute.data_type.value, change.data_type.value if change.data_type else None,
               "data_type")
    edits = {k: v for k, v in (("label", change.label), ("description", change.description),
                               ("required", change.required)) if v is not None}
    inverse_edits: dict[str, Any] = {}
    holder, inverse = attribute.cardinality, attribute.inverse_cardinality
    ref = change.reference
    if ref is not None:
        if not attribute.is_reference:
            raise InvalidInput(f"{attribute.name} is not a reference", code="not_a_reference")
        _immutable("reference.target", attribute.target, ref.target, "a reference's target")
        if ref.on_delete:
            edits["on_delete"] = ref.on_delete
        if ref.limits is not None:
            stored = reference_props(attribute.with_changes(limits=_limits(attribute, ref.limits)))["limits"]
            edits["limits"] = inverse_edits["limits"] = stored
        holder = ref.cardinality or holder
        if ref.inverse is not None:
            if attribute.inverse_name is None:
                raise InvalidInput(f"{attribute.name} has no inverse to change", code="no_inverse")
            _immutable("reference.inverse.name", attribute.inverse_name, ref.inverse.name, "an inverse's name")
            inverse = ref.inverse.cardinality or inverse
            if ref.inverse.on_delete:
                inverse_edits["on_delete"] = ref.inverse.on_delete
    if (holder, inverse) != (attribute.cardinality, attribute.inverse_cardinality):
        edits |= {"cardinality": holder, "inverse_cardinality": inverse}
        inverse_edits |= {"cardinality": inverse, "inverse_cardinality": holder}
    edits |= _flags(attribute, change)
    options, option_map = _options(attribute, change)
    if options is not None:
        edits |= options_props(options)
    limits = _limits(attribute, ref.limits) if ref is not None and ref.limits is not None else None
    if limits is not None and (holder, inverse) != (attribute.cardinality, attribute.inverse_cardinality):
        raise InvalidInput("change the cardinality and the limits in two requests: each has its own dry run "
                           "and plan", code="invalid_field", details={"field": "reference.limits"})
    if not attribute.inverse_name:
        inverse_edits.pop("limits", None)
    return ChangePlan(attribute, holder, inverse, edits, inverse_edits, options, option_map, limits)


def _limits(attribute: AttributeDef, given: list) -> tuple[Limit, ...]:
    try:
        check_limits([PropertySpec(**p) for p in properties_json(attribute.properties)], given)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_field", details={"field": "reference.limits"}) from None
    return tuple(limit_from_spec(limit) for limit in given)


def _lower(limit: Limit, before: Limit | None) -> bool:
    def tighter(new: int | None, old: int | None) -> bool:
        return new is not None and (old is None or new < old)
    return before is None or tighter(limit.max_per_source, before.max_per_source) or tighter(
        limit.max_per_target, before.max_per_target)


def _flags(attribute: AttributeDef, change: AttributeUpdate) -> dict[str, Any]:
    if change.unique and attribute.data_type not in MAY_BE_UNIQUE:
        raise InvalidInput(f"unique: a {attribute.data_type.value} attribute cannot be unique; "
                           "string, integer, date and enum can", code="invalid_field", details={"field": "unique"})
    if change.indexed and attribute.data_type == DataType.reference:
        raise InvalidInput("indexed: a reference is not indexed (its relationships are)",
                           code="invalid_field", details={"field": "indexed"})
    return {k: v for k, v in (("unique", change.unique), ("indexed", change.indexed))
            if v is not None and v != getattr(attribute, k)}


def _options(attribute: AttributeDef, change: AttributeUpdate) -> tuple[tuple | None, dict[str, str | None]]:
    """The new options and, for each value they remove, what it becomes (``option_map``;
    a value it does not name is cleared)."""
    if change.options is None:
        if change.option_map:
            raise InvalidInput("option_map is given with the new options", code="invalid_field",
                               details={"field": "option_map"})
        return None, {}
    if attribute.data_type not in WITH_OPTIONS:
        raise InvalidInput(f"options: {attribute.name} is {attribute.data_type.value}, not enum or enum_list",
                           code="invalid_field", details={"field": "options"})
    options = options_of(change.options)
    after = {value for value, _ in options}
    removed = [value for value in attribute.option_values if value not in after]
    given = change.option_map or {}
    for old, new in given.items():
        if old not in removed:
            raise InvalidInput(f"option_map: {old!r} is not an option the change removes "
                               f"(it removes {', '.join(map(repr, removed)) or 'none'})",
                               code="invalid_field", details={"field": "option_map"})
        if new is not None and new not in after:
            raise InvalidInput(f"option_map: {old!r} -> {new!r}, which is not one of the new options",
                               code="invalid_field", details={"field": "option_map"})
    return options, {old: given.get(old) for old in removed}


def confirm_change(plan: ChangePlan, token: str | None, confirm: str | None, deleted: int,
                   details: dict[str, Any]) -> None:
    """A change that tightens a cardinality goes ahead only with ``confirm`` equal to the
    ``token`` of the plan its dry run showed (the same deletions)."""
    if not plan.tightens:
        return
    _confirmed(plan.describe(), token, confirm, f"deletes {deleted} associations", details)


def confirm_options(plan: ChangePlan, token: str, confirm: str | None, holders: int,
                    details: dict[str, Any]) -> None:
    """Removing options that objects hold goes ahead only with the plan its dry run gave."""
    if holders:
        _confirmed(f"changing the options of {plan.attribute.type}.{plan.attribute.name}", token, confirm,
                   f"changes the values of {holders} objects", details)


def confirm_limits(plan: ChangePlan, token: str, confirm: str | None, cleared: int,
                   details: dict[str, Any]) -> None:
    """Tightening limits that associations exceed goes ahead only with its dry run's plan."""
    if cleared:
        _confirmed(f"tightening the limits of {plan.attribute.type}.{plan.attribute.name}", token, confirm,
                   f"clears the property of {cleared} associations", details)


def _confirmed(what: str, token: str, confirm: str | None, consequence: str, details: dict[str, Any]) -> None:
    if confirm in CONFIRMED_WITHOUT_PLAN:
        raise CardinalityChangeNeedsConfirmation(
            f"{what} {consequence}; review them (dry_run=true) and apply with confirm={token}",
            details=details)
    if confirm != token:
        raise PlanOutdated(
            f"what {what} would change is no longer what the confirmed plan showed; "
            f"review the new report and apply with confirm={token}", details=details)


def _immutable(field_name: str, current: Any, given: Any, what: str) -> None:
    if given is not None and given != current:
        raise InvalidInput(f"{what} is immutable ({current!r} cannot become {given!r})",
                           code="immutable_name" if field_name == "name" else "immutable_field",
                           details={"field": field_name})


def remapped(value: Any, option_map: dict[str, str | None], *, listed: bool) -> Any:
    """An enum value (or an enum_list's values) after an options change: each removed
    value mapped to its new option or cleared. A list keeps its order without repeats;
    an emptied list, like a cleared value, is None (no value)."""
    if not listed:
        return option_map.get(value, value)
    mapped = [option_map.get(v, v) for v in value]
    kept = list(dict.fromkeys(v for v in mapped if v is not None))
    return kept or None


def options_token(attribute: str, option_map: dict[str, str | None], holders: list[dict[str, Any]]) -> str:
    """An opaque token for exactly this options change over exactly these holders."""
    content = json.dumps([attribute, sorted(option_map.items(), key=lambda kv: kv[0]),
                          [[h["id"], h["value"]] for h in holders]], default=str)
    return "plan_" + hashlib.sha256(content.encode()).hexdigest()[:32]


def limits_token(attribute: str, limits, cleared: list[dict[str, Any]]) -> str:
    """An opaque token for exactly these limits clearing exactly these associations."""
    content = json.dumps([attribute, [limit.as_json() for limit in limits or ()],
                          [[c["source"]["id"], c["target"]["id"], c["property"]] for c in cleared]])
    return "plan_" + hashlib.sha256(content.encode()).hexdigest()[:32]
