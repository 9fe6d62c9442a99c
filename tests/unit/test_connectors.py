import pytest

from service.domain.connector_calls import (
    MappingError,
    RunRecord,
    TemplateError,
    build_request,
    check_subject,
    find_records,
    map_records,
    render,
    subject_context,
)
from service.domain.connectors import ConnectorSpec, origin_templates, require_fixed_origin, uses
from service.errors import InvalidInput, RunFailed
from service.domain.schema import TypeDef, attribute_from_create, AttributeCreate


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


def test_the_request_carries_the_secret_where_auth_says_and_marks_every_header_as_a_credential():
    context = {"person": {"external_id": "cust-1", "email": "ada@example.com"}}
    spec = ConnectorSpec.model_validate({**SPEC.model_dump(), "request": {
        **SPEC.request.model_dump(), "headers": {"X-Shop": "{{person.email}}"},
        "auth": {"type": "basic", "secret": "s", "username": "bot"}}})
    request = build_request(spec, context, "pw")
    assert request["url"] == "https://shop.example/customers/cust-1/orders"
    assert request["params"] == {"email": "ada@example.com"}
    assert request["headers"] == {"X-Shop": "ada@example.com", "Authorization": "Basic Ym90OnB3"}
    assert set(request["credential_headers"]) == {"Authorization", "X-Shop"}
    with pytest.raises(RunFailed) as failed:
        build_request(spec, {"person": {"external_id": "cust-1"}}, "pw")
    assert failed.value.error_class == "template_error" and "person.email" in failed.value.message


def test_a_connector_that_fills_a_persons_reference_runs_for_a_person():
    check_subject(SPEC, "Person")
    check_subject(SPEC.model_copy(update={"update_reference": None}), None)
    for subject, code in ((None, "missing_subject"), ("Conversation", "wrong_subject")):
        with pytest.raises(InvalidInput) as refused:
            check_subject(SPEC, subject)
        assert refused.value.code == code


def test_a_run_record_is_kept_as_properties_and_read_back_whole():
    record = RunRecord(id="r1", connector_id="c1", subject=("Person", "p1"), started_at="2026-12-01T10:00:00Z")
    record.counts |= {"fetched": 3, "created": 2, "unchanged": 1}
    record.http_status = 200
    record.failed(RunFailed("timeout", "too slow", http_status=504))
    props = record.props()
    assert (props["subject_type"], props["subject_id"], props["fetched"], props["error_class"]) == \
        ("Person", "p1", 3, "timeout")
    assert props["http_status"] == 200  # the last status seen stays
    assert RunRecord.from_props(props) == record


def test_templates_read_the_subject_and_what_its_one_references_hold():
    subject = {"id": "c1", "external_id": "conv-1", "attributes": {"topic": "refund"}, "references": {}}
    contact = {"id": "p1", "external_id": "cust-1", "attributes": {"email": "ada@example.com"}}
    context = {"conversation": subject_context(subject, {"contact": contact})}
    assert render("{{conversation.external_id}}/{{conversation.topic}}/{{conversation.contact.email}}",
                  context) == "conv-1/refund/ada@example.com"


@pytest.mark.parametrize("url", [
    "http://{{inputs.shop}}:8080/orders", "https://{{ person.email }}/orders", "http://shop.example:{{inputs.port}}/x",
    "{{inputs.base}}/orders", "{{inputs.base}}", "http{{inputs.s}}://shop.example/", "http:{{inputs.h}}/x",
    "http://{{inputs.user}}@shop.example/", "http://shop.example{{inputs.tail}}/x", "http://shop.example\\{{a.b}}/x",
    "https://shop.{{inputs.tld}}"])
def test_a_template_before_the_urls_path_is_refused_and_never_sent(url):
    assert origin_templates(url) and origin_templates(url)[0].startswith("request.url: {{")
    with pytest.raises(InvalidInput) as refused:
        require_fixed_origin(url)
    assert refused.value.code == "template_error" and refused.value.details["field"] == "request.url"
    kept = ConnectorSpec.model_validate({**SPEC.model_dump(), "request": {"url": url}})  # saved before the rule
    context = {"person": {"email": "evil.example"}, "inputs": dict.fromkeys(
        ("shop", "port", "base", "s", "h", "user", "tail", "tld"), "evil.example")}
    with pytest.raises(RunFailed) as failed:
        build_request(kept, context, "the-secret")
    assert failed.value.error_class == "template_error" and "edit the connector" in failed.value.message


@pytest.mark.parametrize("url", [
    "https://shop.example/customers/{{person.external_id}}/orders", "https://shop.example:8443/{{a.b}}?q={{c.d}}#{{e}}",
    "http://shop.example?u={{inputs.u}}", "https://shop.example/x?next=http://{{inputs.h}}/"])
def test_templates_in_the_path_and_query_are_fine(url):
    assert origin_templates(url) == []
    require_fixed_origin(url)
