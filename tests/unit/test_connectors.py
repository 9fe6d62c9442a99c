import pytest

from service.domain.connectors import (
    ConnectorSpec,
    MappingError,
    TemplateError,
    find_records,
    map_records,
    render,
    uses,
)
from service.domain.schema import DataType, TypeDef, attribute_from_create, AttributeCreate


def order_type() -> TypeDef:
    specs = [AttributeCreate(name="order_number", data_type="string"),
             AttributeCreate(name="total", data_type="float"),
             AttributeCreate(name="placed_on", data_type="date"),
             AttributeCreate(name="customer", data_type="reference",
                             reference={"target": "Person", "cardinality": "one"})]
    return TypeDef(name="Order", label="Order",
                   attributes={s.name: attribute_from_create("Order", s) for s in specs})


SPEC = ConnectorSpec.model_validate({
    "name": "Orders", "object_type": "Order",
    "request": {"url": "https://shop.example/customers/{{person.external_id}}/orders",
                "query": {"email": "{{person.email}}"}},
    "response": {"records": "data.orders", "external_id": "id",
                 "attributes": {"order_number": "number", "total": "amount.value", "placed_on": "placed"},
                 "references": {"customer": {"external_id": "customer.id"}}},
    "update_reference": {"on": "Person", "attribute": "order_options"}})


def test_templates_read_the_subject_and_quote_in_urls():
    context = {"person": {"external_id": "a b?c", "email": "ada@example.com"}}
    assert render(SPEC.request.url, context, url=True) == "https://shop.example/customers/a%20b%3Fc/orders"
    assert render("https://x/q?id={{person.external_id}}&e={{person.email}}", context, url=True) == \
        "https://x/q?id=a%20b%3Fc&e=ada%40example.com"
    for value in ("..", ".", "a/b", "%2e%2E", "a%2Fb", "a\\b"):
        with pytest.raises(TemplateError, match="would change the URL's path"):
            render(SPEC.request.url, {"person": {"external_id": value}}, url=True)
    assert render("https://x/q?next={{person.external_id}}", {"person": {"external_id": "a/b"}}, url=True) == \
        "https://x/q?next=a%2Fb"  # in the query a slash is only a character
    assert render("{{person.email}}", context) == "ada@example.com"
    with pytest.raises(TemplateError, match="person.phone"):
        render("{{person.phone}}", context)


def test_records_are_mapped_with_conversions_and_errors_by_index():
    body = {"data": {"orders": [
        {"id": 17, "number": 1001, "amount": {"value": "9.50"}, "placed": "2026-11-01T10:00:00Z",
         "customer": {"id": "cust-1"}},
        {"number": "N2"},
        {"id": "x", "amount": {"value": "lots"}},
        "not an object",
    ]}}
    mapped = map_records(SPEC.response, order_type(), find_records(SPEC.response, body))
    assert mapped.records == [{"external_id": "17", "attributes": {
        "order_number": "1001", "total": 9.5, "placed_on": "2026-11-01"},
        "references": {"customer": {"external_id": "cust-1"}}}]
    assert [e["index"] for e in mapped.errors] == [1, 2, 3]
    assert "total" in mapped.errors[1]["message"]
    with pytest.raises(MappingError, match="not a list"):
        find_records(SPEC.response, {"data": {"orders": {"id": 1}}})


def test_a_connector_names_the_attributes_it_relies_on():
    assert uses(SPEC) == ["Order.order_number", "Order.total", "Order.placed_on", "Order.customer",
                          "Person.order_options"]
