"""Data connectors against a real HTTP server on loopback and a real Neo4j."""

import logging
import time

import pytest

from tests.conftest import REMOTE_PORT, api_for
from tests.integration.helpers import ORDER, create_types

SECRET = "s3cr3t-shop-token-0xBEEF"


@pytest.fixture
async def shop(neo4j_target):
    """A workspace with Order, Person.order_options (many, to Order), a person with an
    email, and the shop's token as a secret. Responses over 100 kB are refused."""
    async with api_for(neo4j_target, connector_max_response_bytes=100_000) as api:
        await create_types(api, ORDER)
        added = await api.client.post("/v1/types/Person/attributes", json={
            "name": "order_options", "data_type": "reference",
            "reference": {"target": "Order", "cardinality": "many"}})
        assert added.status_code == 201, added.text
        person = await api.client.post("/v1/objects/Person", json={
            "external_id": "cust-1", "attributes": {"email": "ada@example.com"}})
        api.person_id = person.json()["id"]
        assert (await api.client.put("/v1/secrets/shop_token", json={"value": SECRET})).status_code == 201
        yield api


def connector(remote, path="/orders", **changes):
    spec = {
        "name": "Get order options", "description": "The customer's recent orders",
        "object_type": "Order",
        "request": {"method": "GET", "url": f"{remote.url}{path}",
                    "query": {"email": "{{person.email}}"}, "headers": {"Accept": "application/json"},
                    "auth": {"type": "bearer", "secret": "shop_token"}, "timeout_s": 1},
        "response": {"records": "data.orders", "external_id": "id",
                     "attributes": {"order_number": "number", "total": "amount.value"},
                     "references": {"customer": {"external_id": "customer_id"}}},
        "update_reference": {"on": "Person", "attribute": "order_options"},
    }
    spec.update(changes)
    return spec


async def create(api, spec):
    response = await api.client.post("/v1/connectors", json=spec)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def run(api, connector_id, **body):
    response = await api.client.post(f"/v1/connectors/{connector_id}/runs",
                                     json={"person_id": api.person_id, **body})
    assert response.status_code == 201, response.text
    return response.json()


def graph_state(graph, workspace):
    """Every order with its properties, and every association, as sets."""
    orders, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws}) RETURN o.external_id AS e, o.order_number AS n, o.total AS t",
        ws=workspace)
    edges, _, _ = graph.execute_query(
        "MATCH (s {workspace: $ws})-[r]->(t {workspace: $ws}) WHERE NOT s:_Type AND NOT s:_Attribute "
        "RETURN s.external_id AS s, type(r) AS r, t.external_id AS t", ws=workspace)
    return {tuple(r.values()) for r in orders}, {tuple(r.values()) for r in edges}


async def test_a_run_creates_links_and_a_rerun_updates_unlinks_and_duplicates_nothing(shop, remote, graph):
    connector_id = await create(shop, connector(remote))
    first = await run(shop, connector_id)
    assert first["status"] == "succeeded", first
    assert (first["http_status"], first["fetched"], first["created"], first["updated"],
            first["unchanged"], first["linked"]) == (200, 3, 3, 0, 0, 3)
    orders, edges = graph_state(graph, shop.workspace)
    assert orders == {("A-1", "ORDER-A1", 19.9), ("B-2", "ORDER-B2", 5.0), ("C-3", "ORDER-C3", 120.5)}
    assert {(s, t) for s, r, t in edges if r == "ORDER_OPTIONS"} == {("cust-1", o) for o in ("A-1", "B-2", "C-3")}
    assert {(s, t) for s, r, t in edges if r == "CUSTOMER"} == {(o, "cust-1") for o in ("A-1", "B-2", "C-3")}
    sent = remote.requests[-1]
    assert sent["query"] == {"email": ["ada@example.com"]}
    assert sent["headers"]["Authorization"] == f"Bearer {SECRET}"

    remote.orders_file = "orders_v2.json"  # B-2's total changed, C-3 is gone
    second = await run(shop, connector_id)
    assert (second["fetched"], second["created"], second["updated"], second["unchanged"],
            second["linked"]) == (2, 0, 1, 1, 2)
    orders, edges = graph_state(graph, shop.workspace)
    assert orders == {("A-1", "ORDER-A1", 19.9), ("B-2", "ORDER-B2", 7.5), ("C-3", "ORDER-C3", 120.5)}
    assert {(s, t) for s, r, t in edges if r == "ORDER_OPTIONS"} == {("cust-1", "A-1"), ("cust-1", "B-2")}

    runs = (await shop.client.get(f"/v1/connectors/{connector_id}/runs")).json()["data"]
    assert [r["id"] for r in runs] == [second["id"], first["id"]]
    assert runs[0]["linked"] == 2 and runs[0]["started_at"] and runs[0]["finished_at"]


@pytest.mark.parametrize("path, error_class", [
    ("/fails", "http_error"),
    ("/slow", "timeout"),
    ("/drip", "timeout"),
    ("/big", "response_too_large"),
    ("/malformed", "invalid_response"),
    ("/missing-id", "response_mapping_error"),
    ("/nowhere", "http_error"),
])
async def test_a_failed_run_says_why_and_leaves_the_graph_as_it_was(shop, remote, graph, path, error_class):
    good = await create(shop, connector(remote, name="good"))
    assert (await run(shop, good))["status"] == "succeeded"
    before = graph_state(graph, shop.workspace)
    bad = await create(shop, connector(remote, path, name="bad"))
    started = time.monotonic()
    result = await run(shop, bad)
    assert result["status"] == "failed" and result["error"]["class"] == error_class, result
    assert time.monotonic() - started < 8  # the drip is cut off by the deadline, not read to the end
    assert graph_state(graph, shop.workspace) == before


async def test_unreachable_api_is_a_request_error(shop, graph):
    # The allowed loopback port, with nothing listening (no `remote` fixture here).
    spec = connector(type("R", (), {"url": f"http://127.0.0.1:{REMOTE_PORT}"})())
    result = await run(shop, await create(shop, spec))
    assert result["error"]["class"] == "request_error" and result["http_status"] is None
    assert "Errno" not in result["error"]["message"]  # what to fix, not the OS's words


async def test_429_with_retry_after_is_retried_after_about_a_second(shop, remote):
    connector_id = await create(shop, connector(remote, "/busy-once"))
    started = time.monotonic()
    result = await run(shop, connector_id)
    elapsed = time.monotonic() - started
    assert result["status"] == "succeeded" and result["created"] == 3
    assert remote.hits["/busy-once"] == 2 and 0.9 <= elapsed < 5


async def test_pages_are_followed_by_cursor_until_it_repeats(shop, remote, graph):
    spec = connector(remote, "/pages")
    spec["response"]["pagination"] = {"cursor": "next", "cursor_param": "cursor", "max_pages": 10}
    result = await run(shop, await create(shop, spec))
    assert result["status"] == "succeeded" and result["fetched"] == 3, result
    assert remote.hits["/pages"] == 2  # page 2 names cursor 2 again: stop there


async def test_test_writes_nothing_and_secrets_appear_in_no_answer_or_log(shop, remote, graph, caplog):
    caplog.set_level(logging.DEBUG)
    connector_id = await create(shop, connector(remote))
    before = graph_state(graph, shop.workspace)
    tested = await shop.client.post(f"/v1/connectors/{connector_id}/test", json={"person_id": shop.person_id})
    assert tested.status_code == 200, tested.text
    body = tested.json()
    assert body["http_status"] == 200 and body["error"] is None
    assert [r["external_id"] for r in body["records"]] == ["A-1", "B-2", "C-3"]
    assert body["records"][0]["attributes"] == {"order_number": "ORDER-A1", "total": 19.9}
    assert '"A-1"' in body["excerpt"]
    sample = await shop.client.post(f"/v1/connectors/{connector_id}/test", json={
        "person_id": shop.person_id, "sample": {"data": {"orders": [{"id": 7, "number": 8}, {"number": "x"}]}}})
    assert sample.json()["records"][0] == {"external_id": "7", "attributes": {"order_number": "8", "total": None},
                                           "references": {"customer": None}}
    assert sample.json()["errors"][0]["index"] == 1 and "external id" in sample.json()["errors"][0]["message"]
    assert graph_state(graph, shop.workspace) == before
    await run(shop, connector_id)
    answers = [tested.text, sample.text,
               (await shop.client.get(f"/v1/connectors/{connector_id}")).text,
               (await shop.client.get("/v1/connectors")).text,
               (await shop.client.get("/v1/secrets")).text,
               (await shop.client.get(f"/v1/connectors/{connector_id}/runs")).text]
    assert all(SECRET not in answer for answer in answers)
    assert "shop_token" in answers[4]
    assert all(SECRET not in record.getMessage() for record in caplog.records)
    stored, _, _ = graph.execute_query("MATCH (s:_Secret {workspace: $ws}) RETURN s.value AS v", ws=shop.workspace)
    assert SECRET not in stored[0]["v"]  # encrypted at rest


@pytest.mark.parametrize("change, words", [
    ({"object_type": "Invoice"}, "no object type named 'Invoice'"),
    ({"update_reference": {"on": "Person", "attribute": "nope"}}, "Person.nope does not exist"),
    ({"update_reference": {"on": "Conversation", "attribute": "contact"}}, "must be a reference to Order"),
    ({"response": {"records": "data.orders", "external_id": "id", "attributes": {"colour": "c"}}},
     "Order has no attribute 'colour'"),
    ({"response": {"records": "data.orders", "external_id": "id"}}, "requires order_number"),
    ({"response": {"records": "data[", "external_id": "id", "attributes": {"order_number": "n"}}},
     "not a JMESPath expression"),
    ({"request": {"url": "ftp://shop.example/orders"}}, "only http and https"),
    ({"request": {"url": "https://shop.example/{{inputs.status}}"}}, "no input named 'status'"),
])
async def test_a_connector_that_cannot_work_is_refused_at_save_naming_what_is_wrong(shop, remote, change, words):
    response = await shop.client.post("/v1/connectors", json=connector(remote, **change))
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]
    assert (await shop.client.get("/v1/connectors")).json()["data"] == []


async def test_the_selection_to_one_check_and_a_one_reference_refused(shop, remote):
    added = await shop.client.post("/v1/types/Person/attributes", json={
        "name": "favourite_order", "data_type": "reference", "reference": {"target": "Order", "cardinality": "one"}})
    assert added.status_code == 201
    response = await shop.client.post("/v1/connectors", json=connector(
        remote, update_reference={"on": "Person", "attribute": "favourite_order"}))
    assert response.status_code == 422 and "reference to one Order" in response.json()["error"]["message"]


async def test_the_cardinality_dry_run_lists_the_connectors_using_the_attribute(shop, remote):
    connector_id = await create(shop, connector(remote))
    dry = await shop.client.patch("/v1/types/Person/attributes/order_options", params={"dry_run": "true"},
                                  json={"reference": {"cardinality": "one"}})
    assert dry.status_code == 200, dry.text
    assert dry.json()["used_by"]["connectors"] == [{"id": connector_id, "name": "Get order options"}]


async def test_edit_list_and_delete_connectors(shop, remote):
    connector_id = await create(shop, connector(remote))
    duplicate = await shop.client.post("/v1/connectors", json=connector(remote))
    assert duplicate.status_code == 409
    patched = await shop.client.patch(f"/v1/connectors/{connector_id}", json={"description": "Orders, newest first"})
    assert patched.status_code == 200 and patched.json()["description"] == "Orders, newest first"
    assert patched.json()["request"]["auth"] == {"type": "bearer", "secret": "shop_token", "username": None,
                                                 "header": None}
    assert (await shop.client.delete(f"/v1/connectors/{connector_id}")).status_code == 204
    assert (await shop.client.get(f"/v1/connectors/{connector_id}")).status_code == 404
    assert (await shop.client.post(f"/v1/connectors/{connector_id}/runs", json={})).status_code == 404


@pytest.mark.parametrize("body,fields", [
    ({"object_type": None, "request": None, "response": None}, ["object_type", "request", "response"]),
    ({"name": None}, ["name"]), ({"description": None}, ["description"]), ({"inputs": None}, ["inputs"]),
])
async def test_a_patch_that_nulls_a_required_field_is_a_422_that_changes_nothing(shop, remote, body, fields):
    """Issue 32: nulls for fields a connector must have let pydantic's ValidationError escape as a 500."""
    connector_id = await create(shop, connector(remote))
    before = (await shop.client.get(f"/v1/connectors/{connector_id}")).json()
    refused = await shop.client.patch(f"/v1/connectors/{connector_id}", json=body)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith(f"invalid request: body.{fields[0]}: "), error["message"]
    assert "leave it out" in error["message"], error["message"]
    assert [e["loc"] for e in error["details"]["errors"]] == [["body", f] for f in fields]
    assert (await shop.client.get(f"/v1/connectors/{connector_id}")).json() == before
    cleared = await shop.client.patch(f"/v1/connectors/{connector_id}", json={"update_reference": None})
    assert cleared.status_code == 200 and cleared.json()["update_reference"] is None  # null clears an optional one


async def test_runs_need_the_right_subject_and_known_inputs(shop, remote):
    connector_id = await create(shop, connector(remote))
    assert (await shop.client.post(f"/v1/connectors/{connector_id}/runs", json={})).status_code == 422
    unknown = await shop.client.post(f"/v1/connectors/{connector_id}/runs",
                                     json={"person_id": shop.person_id, "inputs": {"status": "x"}})
    assert unknown.status_code == 422 and "status" in unknown.json()["error"]["message"]
    missing = await shop.client.post(f"/v1/connectors/{connector_id}/runs", json={"person_id": "nobody"})
    assert missing.status_code == 404


async def test_concurrent_runs_for_the_same_person_leave_one_consistent_answer(shop, remote, graph):
    import asyncio

    connector_id = await create(shop, connector(remote))
    results = await asyncio.gather(*(shop.client.post(f"/v1/connectors/{connector_id}/runs",
                                                      json={"person_id": shop.person_id}) for _ in range(8)))
    assert all(r.status_code == 201 for r in results)
    assert all(r.json()["status"] == "succeeded" for r in results), [r.json()["error"] for r in results]
    orders, edges = graph_state(graph, shop.workspace)
    assert {o[0] for o in orders} == {"A-1", "B-2", "C-3"}
    counted, _, _ = graph.execute_query("MATCH (o:Order {workspace: $ws}) RETURN count(o) AS c", ws=shop.workspace)
    assert counted[0]["c"] == 3
    options, _, _ = graph.execute_query(
        "MATCH (:Person {workspace: $ws})-[r:ORDER_OPTIONS]->() RETURN count(r) AS c", ws=shop.workspace)
    assert options[0]["c"] == 3


async def test_a_conversation_run_reads_the_contact_through_its_reference(shop, remote, graph):
    added = await shop.client.post("/v1/types/Conversation/attributes", json={
        "name": "order_options", "data_type": "reference", "reference": {"target": "Order", "cardinality": "many"}})
    assert added.status_code == 201
    conversation = await shop.client.post("/v1/objects/Conversation", json={
        "external_id": "conv-1", "references": {"contact": {"external_id": "cust-1"}}})
    spec = connector(remote, update_reference={"on": "Conversation", "attribute": "order_options"})
    spec["request"]["query"] = {"email": "{{conversation.contact.email}}", "conv": "{{conversation.external_id}}"}
    connector_id = await create(shop, spec)
    response = await shop.client.post(f"/v1/connectors/{connector_id}/runs",
                                      json={"conversation_id": conversation.json()["id"]})
    assert response.status_code == 201 and response.json()["linked"] == 3, response.text
    assert remote.requests[-1]["query"] == {"email": ["ada@example.com"], "conv": ["conv-1"]}
    wrong = await shop.client.post(f"/v1/connectors/{connector_id}/runs", json={"person_id": shop.person_id})
    assert wrong.status_code == 422


async def test_pages_are_followed_by_next_url(shop, remote):
    spec = connector(remote, "/linked")
    spec["response"]["pagination"] = {"next_url": "links.next"}
    result = await run(shop, await create(shop, spec))
    assert (result["status"], result["fetched"], result["linked"]) == ("succeeded", 3, 3), result
    assert remote.hits["/linked"] == 3


async def test_only_allowed_hosts_are_called_redirects_included(neo4j_target, remote):
    async with api_for(neo4j_target, connector_allowed_hosts="127.0.0.1") as api:
        await create_types(api, ORDER)
        person = await api.client.post("/v1/objects/Person", json={"external_id": "cust-1"})
        api.person_id = person.json()["id"]
        await api.client.put("/v1/secrets/shop_token", json={"value": SECRET})
        spec = connector(remote, name="elsewhere", update_reference=None)
        spec["request"]["url"] = spec["request"]["url"].replace("127.0.0.1", "localhost")
        spec["request"]["query"] = {}
        refused = await run(api, await create(api, spec))
        assert refused["error"]["class"] == "host_not_allowed" and remote.requests == []
        redirected = connector(remote, "/redirect", name="redirected", update_reference=None)
        redirected["request"]["query"] = {"to": "http://localhost:1/orders"}
        result = await run(api, await create(api, redirected))
        assert result["error"]["class"] == "host_not_allowed", result
        assert [r["path"] for r in remote.requests] == ["/redirect"]


async def test_a_run_matches_on_a_unique_attribute_and_maps_association_properties(shop, remote, graph):
    await create_types(shop, {"name": "Purchase", "attributes": [
        {"name": "number", "data_type": "string", "unique": True},
        {"name": "buyer", "data_type": "reference", "reference": {
            "target": "Person", "cardinality": "one",
            "properties": [{"name": "currency", "data_type": "string"}]}}]})
    # An object already holds ORDER-A1 under another external id: the run finds it by number.
    earlier = await shop.client.post("/v1/objects/Purchase", json={"external_id": "legacy-1",
                                                                   "attributes": {"number": "ORDER-A1"}})
    spec = connector(remote, object_type="Purchase", update_reference=None, response={
        "records": "data.orders", "external_id": "id", "match_on": "number",
        "attributes": {"number": "number"},
        "references": {"buyer": {"external_id": "customer_id", "properties": {"currency": "amount.currency"}}}})
    ran = await run(shop, await create(shop, spec))
    assert ran["status"] == "succeeded", ran
    assert (ran["created"], ran["updated"]) == (2, 1)
    records, _, _ = graph.execute_query(
        "MATCH (p:Purchase {workspace: $ws})-[r:BUYER]->(c:Person) "
        "RETURN p.id AS id, p.external_id AS e, p.number AS n, r.currency AS currency", ws=shop.workspace)
    assert {(r["e"], r["n"], r["currency"]) for r in records} == {
        ("A-1", "ORDER-A1", "EUR"), ("B-2", "ORDER-B2", None), ("C-3", "ORDER-C3", None)}
    assert earlier.json()["id"] in {r["id"] for r in records}

    wrong = await shop.client.post("/v1/connectors", json={**spec, "name": "wrong", "response": {
        **spec["response"], "match_on": "buyer", "references": {"buyer": {"external_id": "customer_id",
                                                                          "properties": {"mood": "x"}}}}})
    assert wrong.status_code == 422
    assert "match_on" in wrong.text and "no property 'mood'" in wrong.text
