"""The data-type registry: one entry per data type says how its values are checked,
read from text and from a connector, compared and offered as report parameters."""

import datetime as dt

import pytest

from service.domain.data_types import REGISTRY, REPORT_PARAMETER_TYPES, ValueProblem, rules_for, rules_of
from service.domain.schema import AttributeDef, DataType

VALUE_TYPES = [t for t in DataType if t != DataType.reference]


def test_every_data_type_that_holds_values_has_one_entry_and_a_reference_has_none():
    assert set(REGISTRY) == set(VALUE_TYPES)
    with pytest.raises(ValueProblem, match="reference values are not set here"):
        rules_for(DataType.reference)


@pytest.mark.parametrize("data_type, value, stored", [
    (DataType.string, "N-1", "N-1"), (DataType.integer, 2**62, 2**62), (DataType.float, 3, 3.0),
    (DataType.boolean, False, False), (DataType.date, "2026-11-01", dt.date(2026, 11, 1)),
    (DataType.datetime, "2026-11-01T10:00:00Z", dt.datetime(2026, 11, 1, 10, tzinfo=dt.timezone.utc)),
    (DataType.datetime, "2026-11-01T10:00:00", dt.datetime(2026, 11, 1, 10, tzinfo=dt.timezone.utc)),
    (DataType.string_list, ["a", "b"], ["a", "b"]),
])
def test_json_values_are_stored_as_their_type(data_type, value, stored):
    assert rules_for(data_type).from_json(value) == stored


@pytest.mark.parametrize("data_type, value, reason", [
    (DataType.string, 1, "expected a string"), (DataType.string, "x" * 65_537, "longer than"),
    (DataType.integer, True, "expected an integer"), (DataType.integer, 1.5, "expected an integer"),
    (DataType.integer, 2**63, "64-bit"), (DataType.float, "1.5", "expected a number"),
    (DataType.boolean, "true", "true or false"), (DataType.date, "2026-13-01", "not an ISO 8601 date"),
    (DataType.datetime, 0, "datetime string"), (DataType.string_list, ["a", 1], "list of strings"),
    (DataType.string_list, ["a"] * 1_001, "more than 1000"),
])
def test_json_values_that_do_not_fit_are_refused_with_the_reason(data_type, value, reason):
    with pytest.raises(ValueProblem, match=reason):
        rules_for(data_type).from_json(value)


@pytest.mark.parametrize("data_type, text, stored", [
    (DataType.string, "12", "12"), (DataType.integer, "-12", -12), (DataType.float, "1e3", 1000.0),
    (DataType.boolean, "TRUE", True), (DataType.boolean, "false", False),
    (DataType.date, "2026-11-01", dt.date(2026, 11, 1)), (DataType.string_list, "vip|beta|", ["vip", "beta"]),
])
def test_text_from_a_query_a_report_parameter_or_a_csv_cell_is_parsed(data_type, text, stored):
    assert rules_for(data_type).parse(text) == stored


@pytest.mark.parametrize("data_type, text", [
    (DataType.integer, "12.5"), (DataType.float, "lots"), (DataType.boolean, "yes"), (DataType.date, "01/11/2026"),
])
def test_text_that_does_not_parse_is_refused(data_type, text):
    with pytest.raises(ValueProblem):
        rules_for(data_type).parse(text)


@pytest.mark.parametrize("data_type, value, expected", [
    (DataType.integer, "12", 12), (DataType.integer, 12.0, 12), (DataType.float, "1.5", 1.5),
    (DataType.boolean, "yes", True), (DataType.boolean, 0, False), (DataType.string, 3, "3"),
    (DataType.string, True, "true"), (DataType.date, 0, "1970-01-01"),
    (DataType.date, "2026-11-01T10:00:00Z", "2026-11-01"), (DataType.datetime, 0, "1970-01-01T00:00:00+00:00"),
    (DataType.string_list, "a", ["a"]), (DataType.string_list, [1, "b"], ["1", "b"]), (DataType.string, None, None),
])
def test_remote_values_are_converted_to_the_attribute_type_and_then_fit_it(data_type, value, expected):
    converted = rules_for(data_type).from_connector(value)
    assert converted == expected
    if converted is not None:
        rules_for(data_type).from_json(converted)  # what a connector maps, a write accepts


@pytest.mark.parametrize("data_type, value", [
    (DataType.integer, "abc"), (DataType.integer, True), (DataType.float, [1]), (DataType.boolean, "maybe"),
    (DataType.string, {"a": 1}), (DataType.date, {"y": 2026}), (DataType.date, 1e20), (DataType.datetime, -1e20),
])
def test_remote_values_that_do_not_convert_are_refused(data_type, value):
    with pytest.raises(ValueProblem):
        rules_for(data_type).from_connector(value)


def test_ordered_types_compare_every_way_booleans_only_for_equality_and_lists_by_membership():
    for data_type in (DataType.string, DataType.integer, DataType.float, DataType.date, DataType.datetime):
        assert set(rules_for(data_type).operators) == {"=", "!=", "<", "<=", ">", ">="}
    assert dict(rules_for(DataType.boolean).operators) == {"=": "=", "!=": "!="}
    string_list = rules_for(DataType.string_list)
    assert dict(string_list.operators) == {"=": "contains"}
    assert string_list.filter_operand("vip|beta") == "vip|beta"  # one item, not a list


def test_report_parameters_take_every_scalar_type():
    assert REPORT_PARAMETER_TYPES == ["boolean", "date", "datetime", "float", "integer", "string"]


STATUS = AttributeDef("Order", "status", DataType.enum, options=(("new", "New"), ("shipped", "Shipped")))
FLAGS = AttributeDef("Order", "flags", DataType.enum_list, options=(("gift", "Gift"), ("rush", "Rush")))


def test_an_enum_takes_only_its_options_and_names_them():
    rules = rules_of(STATUS)
    assert rules.from_json("shipped") == "shipped"
    with pytest.raises(ValueProblem, match=r"'lost' is not an option: use one of 'new', 'shipped'"):
        rules.from_json("lost")
    with pytest.raises(ValueProblem, match="expected one of"):
        rules.from_json(1)
    assert rules.parse("new") == "new"  # text: a CSV cell, a filter
    assert rules.from_connector("shipped") == "shipped"
    assert dict(rules.operators) == {"=": "=", "!=": "!="}
    with pytest.raises(ValueProblem):
        rules.filter_operand("lost")


def test_an_enum_list_takes_options_each_once_in_the_order_given():
    rules = rules_of(FLAGS)
    assert rules.from_json(["rush", "gift", "rush"]) == ["rush", "gift"]
    assert rules.parse("gift|rush") == ["gift", "rush"]
    with pytest.raises(ValueProblem, match="'late' is not an option"):
        rules.from_json(["gift", "late"])
    with pytest.raises(ValueProblem, match="more than"):
        rules.from_json(["gift"] * 1001)
    assert rules.filter_operand("gift") == "gift" and dict(rules.operators) == {"=": "contains"}


def test_unbound_enum_rules_check_only_the_shape_and_enums_are_not_report_parameters():
    # The CSV importer reads a cell before it knows the options: the server checks them.
    assert rules_for(DataType.enum_list).from_text("a|b") == ["a", "b"]
    assert not rules_for(DataType.enum).report_parameter and not rules_for(DataType.enum_list).report_parameter
    assert rules_of(AttributeDef("Order", "total", DataType.float)) is rules_for(DataType.float)
