"""What a PATCH of an attribute changes, decided without the database: ``plan_change``
turns the attribute and the requested change into the edits on it and on its inverse
and the cardinalities after; ``confirm_change`` decides whether a change that deletes
associations may go ahead. The store locks, reads the edges (the prune rule is
``domain.cardinality.plan_prune``) and applies the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.domain.schema import AttributeDef, AttributeUpdate
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
    return ChangePlan(attribute, holder, inverse, edits, inverse_edits)


def confirm_change(plan: ChangePlan, token: str | None, confirm: str | None, deleted: int,
                   details: dict[str, Any]) -> None:
    """A change that tightens a cardinality goes ahead only with ``confirm`` equal to the
    ``token`` of the plan its dry run showed (the same deletions)."""
    if not plan.tightens:
        return
    if confirm in CONFIRMED_WITHOUT_PLAN:
        raise CardinalityChangeNeedsConfirmation(
            f"{plan.describe()} deletes {deleted} associations; review them (dry_run=true) and "
            f"apply with confirm={token}", details=details)
    if confirm != token:
        raise PlanOutdated(
            f"the associations {plan.describe()} would delete are no longer those of the plan "
            f"confirmed; review the new report and apply with confirm={token}", details=details)


def _immutable(field_name: str, current: Any, given: Any, what: str) -> None:
    if given is not None and given != current:
        raise InvalidInput(f"{what} is immutable ({current!r} cannot become {given!r})",
                           code="immutable_name" if field_name == "name" else "immutable_field",
                           details={"field": field_name})
