"""The attribute-change planner: what a PATCH edits, and when it needs the dry run's plan."""

import pytest

from service.domain.attribute_change import confirm_change, plan_change
from service.domain.schema import AttributeDef, AttributeUpdate, DataType
from service.errors import CardinalityChangeNeedsConfirmation, InvalidInput, PlanOutdated

CUSTOMER = AttributeDef(type="Order", name="customer", data_type=DataType.reference, target="Person",
                        cardinality="many", inverse_name="orders", inverse_cardinality="many",
                        rel_type="CUSTOMER")
TOTAL = AttributeDef(type="Order", name="total", data_type=DataType.float)


def change(**fields) -> AttributeUpdate:
    return AttributeUpdate.model_validate(fields)


def test_plain_edits_change_no_cardinality():
    plan = plan_change(TOTAL, change(label="Total", required=True))
    assert plan.edits == {"label": "Total", "required": True} and plan.inverse_edits == {}
    assert not plan.changes_cardinality and not plan.tightens and plan.makes_required


def test_many_to_one_tightens_and_mirrors_the_inverse():
    plan = plan_change(CUSTOMER, change(reference={"cardinality": "one", "on_delete": "cascade"}))
    assert plan.tightens and plan.changes_cardinality
    assert plan.edits == {"on_delete": "cascade", "cardinality": "one", "inverse_cardinality": "many"}
    assert plan.inverse_edits == {"cardinality": "many", "inverse_cardinality": "one"}
    both = plan_change(CUSTOMER, change(reference={"cardinality": "one", "inverse": {"cardinality": "one"}}))
    assert (both.holder, both.inverse, both.tightens) == ("one", "one", True)


def test_one_to_many_loosens_and_needs_no_plan():
    one = plan_change(CUSTOMER, change(reference={"cardinality": "one"}))
    loosened = plan_change(AttributeDef(**{**CUSTOMER.__dict__, "cardinality": "one"}),
                           change(reference={"cardinality": "many"}))
    assert loosened.changes_cardinality and not loosened.tightens
    confirm_change(loosened, None, None, 0, {})  # goes ahead
    with pytest.raises(CardinalityChangeNeedsConfirmation):
        confirm_change(one, "plan_x", None, 3, {})
    with pytest.raises(PlanOutdated):
        confirm_change(one, "plan_x", "plan_y", 3, {})
    confirm_change(one, "plan_x", "plan_x", 3, {})


@pytest.mark.parametrize("attribute, fields, code", [
    (TOTAL, {"name": "sum"}, "immutable_name"),
    (TOTAL, {"data_type": "integer"}, "immutable_field"),
    (CUSTOMER, {"reference": {"target": "Order"}}, "immutable_field"),
    (CUSTOMER, {"reference": {"inverse": {"name": "purchases"}}}, "immutable_field"),
    (TOTAL, {"reference": {"cardinality": "one"}}, "not_a_reference"),
    (AttributeDef(**{**CUSTOMER.__dict__, "inverse_name": None}), {"reference": {"inverse": {"cardinality": "one"}}},
     "no_inverse"),
])
def test_what_may_not_change_is_refused_by_name(attribute, fields, code):
    with pytest.raises(InvalidInput) as refused:
        plan_change(attribute, change(**fields))
    assert refused.value.code == code


def test_the_same_name_and_type_given_again_are_no_change():
    plan = plan_change(CUSTOMER, change(name="customer", data_type="reference", reference={"target": "Person"}))
    assert plan.edits == {} and not plan.changes_cardinality
