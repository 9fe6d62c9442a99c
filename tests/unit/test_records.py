"""Records checked against their type, and the ids refgraph assigns."""

import pytest

from service.domain.records import ObjectWrite, check_record
from service.domain.schema import TypeCreate, TypeDef, attribute_from_create

ORDER = TypeCreate(name="Order", attributes=[
    {"name": "order_number", "data_type": "string", "required": True},
    {"name": "quantity", "data_type": "integer"},
    {"name": "placed_on", "data_type": "date"},
    {"name": "tags", "data_type": "string_list"},
])
TYPE = TypeDef(name="Order", label="Order",
               attributes={a.name: attribute_from_create("Order", a) for a in ORDER.attributes})


@pytest.mark.parametrize("attributes, field", [
    ({"quantity": "abc"}, "quantity"), ({"quantity": True}, "quantity"),
    ({"placed_on": "yesterday"}, "placed_on"), ({"tags": ["a", 1]}, "tags"),
    ({"order_number": None}, "order_number"), ({"colour": "red"}, "colour"),
])
def test_each_problem_names_its_field(attributes, field):
    problems = []
    assert check_record(TYPE, ObjectWrite(attributes=attributes), 7, problems) is None
    assert [(p.index, p.field) for p in problems] == [(7, field)]


def test_a_good_record_is_converted_for_the_graph():
    problems = []
    record = check_record(TYPE, ObjectWrite(external_id="o1", attributes={
        "order_number": "N1", "quantity": 3, "placed_on": "2026-11-01", "tags": ["x"]}), 0, problems)
    assert problems == [] and record.external_id == "o1"
    assert str(record.props["placed_on"]) == "2026-11-01" and record.props["quantity"] == 3


def test_new_ids_are_uuid7_and_time_ordered():
    import time
    import uuid

    from service.domain.records import new_ids

    first = new_ids(1000)
    time.sleep(0.002)
    later = new_ids(3)
    assert len(set(first)) == 1000
    for value in first + later:
        parsed = uuid.UUID(value)
        assert str(parsed) == value and parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert max(first) < min(later)  # a later millisecond sorts after
