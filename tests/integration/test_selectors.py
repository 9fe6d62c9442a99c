"""Selector steps: the whole flow as Intercom documents it, against a real HTTP server
for the connector and a real Neo4j."""

import asyncio

import pytest

from tests.conftest import api_for
from tests.integration.helpers import ORDER, create_types

OPTIONS = {"name": "order_options", "data_type": "reference", "reference": {"target": "Order", "cardinality": "many"}}
SELECTED = {"name": "selected_order", "data_type": "reference", "reference": {"target": "Order", "cardinality": "one"}}


@pytest.fixture
async def desk(neo4j_target, remote):
    """Order, the two Conversation attributes, a person with a conversation, a
    connector that fetches the person's orders into order_options, and the step."""
    async with api_for(neo4j_target) as api:
        await create_types(api, ORDER)
        for attribute in (OPTIONS, SELECTED):
            assert (await api.client.post("/v1/types/Conversation/attributes", json=attribute)).status_code == 201
        await api.client.post("/v1/objects/Person", json={"external_id": "cust-1",
                                                          "attributes": {"email": "ada@example.com"}})
        conversation = await api.client.post("/v1/objects/Conversation", json={
            "external_id": "conv-1", "attributes": {"title": "Where is my order?"},
            "references": {"contact": {"external_id": "cust-1"}}})
        api.conversation_id = conversation.json()["id"]
        connector = await api.client.post("/v1/connectors", json={
            "name": "Get order options", "object_type": "Order",
            "request": {"url": f"{remote.url}/orders", "query": {"email": "{{conversation.contact.email}}"},
                        "timeout_s": 2},
            "response": {"records": "data.orders", "external_id": "id",
                         "attributes": {"order_number": "number", "total": "amount.value"},
                         "references": {"customer": {"external_id": "customer_id"}}},
            "update_reference": {"on": "Conversation", "attribute": "order_options"}})
        assert connector.status_code == 201, connector.text
        api.connector_id = connector.json()["id"]
        selector = await api.client.post("/v1/selectors", json=step(api.connector_id))
        assert selector.status_code == 201, selector.text
        api.selector_id = selector.json()["id"]
        yield api


def step(connector_id=None, **changes):
    spec = {"name": "Pick an order", "object_type": "Order", "display_attribute": "order_options",
            "selection_attribute": "selected_order", "connector_id": connector_id,
            "button_label": "{{order_number}} ({{total}})", "order": {"by": "order_number", "direction": "desc"},
            "max_buttons": 10}
    spec.update(changes)
    return spec


def url(api, action):
    return f"/v1/conversations/{api.conversation_id}/selectors/{api.selector_id}/{action}"


def selection_edges(graph, workspace):
    records, _, _ = graph.execute_query(
        "MATCH (c:Conversation {workspace: $ws})-[:SELECTED_ORDER]->(o) RETURN c.external_id AS c, o.external_id AS o",
        ws=workspace)
    return [(r["c"], r["o"]) for r in records]


async def test_buttons_from_the_connector_then_one_selection_edge(desk, remote, graph):
    response = await desk.client.post(url(desk, "buttons"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reason"] is None and body["connector_run"]["status"] == "succeeded"
    assert [b["label"] for b in body["data"]] == ["ORDER-C3 (120.5)", "ORDER-B2 (5.0)", "ORDER-A1 (19.9)"]
    assert remote.requests[-1]["query"] == {"email": ["ada@example.com"]}
    chosen = body["data"][1]
    assert chosen["object"]["external_id"] == "B-2" and chosen["id"] == chosen["object"]["id"]

    selected = await desk.client.post(url(desk, "select"), json={"object_id": chosen["id"]})
    assert selected.status_code == 200, selected.text
    assert selected.json()["references"]["selected_order"]["external_id"] == "B-2"
    assert selection_edges(graph, desk.workspace) == [("conv-1", "B-2")]

    again = await desk.client.post(url(desk, "select"), json={"object_id": body["data"][2]["id"]})
    assert again.status_code == 200
    assert selection_edges(graph, desk.workspace) == [("conv-1", "A-1")]  # replaced, never two


async def test_an_order_not_offered_or_of_another_workspace_is_refused(desk, graph, neo4j_target):
    await desk.client.post(url(desk, "buttons"))
    other = await desk.client.post("/v1/objects/Order", json={
        "external_id": "Z-9", "attributes": {"order_number": "ORDER-Z9"}})
    refused = await desk.client.post(url(desk, "select"), json={"object_id": other.json()["id"]})
    assert refused.status_code == 422 and "not among the options" in refused.json()["error"]["message"]
    async with api_for(neo4j_target) as stranger:
        await create_types(stranger, ORDER)
        theirs = await stranger.client.post("/v1/objects/Order", json={
            "external_id": "A-1", "attributes": {"order_number": "ORDER-A1"}})
        foreign = await desk.client.post(url(desk, "select"), json={"object_id": theirs.json()["id"]})
        assert foreign.status_code == 404
    assert (await desk.client.post(f"/v1/conversations/nobody/selectors/{desk.selector_id}/select",
                                   json={"object_id": other.json()["id"]})).status_code == 404
    assert selection_edges(graph, desk.workspace) == []


async def test_32_concurrent_selections_leave_exactly_one_edge(desk, graph):
    options = [b["id"] for b in (await desk.client.post(url(desk, "buttons"))).json()["data"]]
    responses = await asyncio.gather(*(desk.client.post(url(desk, "select"), json={"object_id": options[i % 3]})
                                       for i in range(32)))
    assert [r.status_code for r in responses] == [200] * 32
    edges = selection_edges(graph, desk.workspace)
    assert len(edges) == 1 and edges[0][0] == "conv-1"


async def test_no_options_is_an_empty_list_with_a_reason_and_a_failed_connector_keeps_the_old_ones(desk, remote):
    plain = await desk.client.post("/v1/selectors", json=step(name="Without connector"))
    empty = await desk.client.post(
        f"/v1/conversations/{desk.conversation_id}/selectors/{plain.json()['id']}/buttons")
    assert empty.status_code == 200 and empty.json()["data"] == []
    assert "holds no Order" in empty.json()["reason"]
    assert len((await desk.client.post(url(desk, "buttons"))).json()["data"]) == 3
    remote.orders_file = "missing.json"  # the shop's API now fails (404)
    failed = (await desk.client.post(url(desk, "buttons"))).json()
    assert failed["connector_run"]["status"] == "failed"
    assert "connector failed" in failed["reason"] and len(failed["data"]) == 3


@pytest.mark.parametrize("changes, words", [
    ({"object_type": "Invoice"}, "There is no object type named 'Invoice'."),
    ({"display_attribute": "nope"}, "The display attribute 'nope' is not an attribute of Conversation."),
    ({"display_attribute": "selected_order", "selection_attribute": "order_options"},
     "The display attribute Conversation.selected_order must be a reference to many Order"),
    ({"selection_attribute": "contact"}, "The selection attribute Conversation.contact must reference Order."),
    ({"selection_attribute": "order_options"}, "must be two different attributes"),
    ({"button_label": "{{colour}}"}, "The button label uses {{colour}}, which is not an attribute of Order."),
    ({"order": {"by": "colour"}}, "cannot be ordered by 'colour'"),
])
async def test_every_save_time_rule_has_its_message(desk, changes, words):
    response = await desk.client.post("/v1/selectors", json=step(name="Another", **changes))
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]["message"]


async def test_the_selection_must_be_a_reference_to_one_and_the_connector_must_fill_the_display(desk, remote):
    many = {**SELECTED, "name": "picked_orders", "reference": {"target": "Order", "cardinality": "many"}}
    assert (await desk.client.post("/v1/types/Conversation/attributes", json=many)).status_code == 201
    response = await desk.client.post("/v1/selectors", json=step(name="Another", selection_attribute="picked_orders"))
    assert "The selection attribute Conversation.picked_orders must be a reference to one Order" in \
        response.json()["error"]["message"]
    other = await desk.client.post("/v1/connectors", json={
        "name": "Picks", "object_type": "Order", "request": {"url": f"{remote.url}/orders"},
        "response": {"records": "data.orders", "external_id": "id", "attributes": {"order_number": "number"}},
        "update_reference": {"on": "Conversation", "attribute": "picked_orders"}})
    response = await desk.client.post("/v1/selectors", json=step(other.json()["id"], name="Another"))
    assert response.status_code == 422
    assert "The connector 'Picks' must update Conversation.order_options" in response.json()["error"]["message"]
    assert (await desk.client.post("/v1/selectors", json=step("no-such-connector", name="X"))).status_code == 404


async def test_a_change_that_breaks_a_step_is_listed_and_refused_and_so_is_deleting_its_attribute(desk):
    path = "/v1/types/Conversation/attributes/order_options"
    dry = await desk.client.patch(path, params={"dry_run": "true"}, json={"reference": {"cardinality": "one"}})
    assert dry.status_code == 200
    assert dry.json()["used_by"]["selectors"] == [{"id": desk.selector_id, "name": "Pick an order", "role": "display"}]
    refused = await desk.client.patch(path, params={"confirm": "true"}, json={"reference": {"cardinality": "one"}})
    assert refused.status_code == 409 and "Pick an order" in refused.json()["error"]["message"]
    loosen = await desk.client.patch("/v1/types/Conversation/attributes/selected_order", params={"confirm": "true"},
                                     json={"reference": {"cardinality": "many"}})
    assert loosen.status_code == 409 and "selection attribute" in loosen.json()["error"]["message"]
    kept = await desk.client.delete("/v1/types/Conversation/attributes/selected_order")
    assert kept.status_code == 409 and "Pick an order" in kept.json()["error"]["message"]
    assert (await desk.client.delete(f"/v1/selectors/{desk.selector_id}")).status_code == 204
    plan = (await desk.client.patch(path, params={"dry_run": "true"}, json={"reference": {"cardinality": "one"}})).json()
    applied = await desk.client.patch(path, params={"confirm": plan["plan"]}, json={"reference": {"cardinality": "one"}})
    assert applied.status_code == 200, applied.text
    assert (await desk.client.delete("/v1/types/Conversation/attributes/selected_order")).status_code in (200, 204)


async def test_selection_reports(desk, remote):
    options = [b["id"] for b in (await desk.client.post(url(desk, "buttons"))).json()["data"]]
    await desk.client.post(url(desk, "select"), json={"object_id": options[0]})
    per_day = (await desk.client.get("/v1/reports/selections_per_day")).json()["rows"]
    assert [(r["selector"], r["object_external_id"], r["selections"]) for r in per_day] == [
        ("Pick an order", "C-3", 1)]
    assert (await desk.client.get("/v1/reports/stale_selections")).json()["rows"] == []
    remote.orders_file = "orders_v2.json"  # C-3 is gone from the shop's answer: the choice is stale
    assert len((await desk.client.post(url(desk, "buttons"))).json()["data"]) == 2
    stale = (await desk.client.get("/v1/reports/stale_selections")).json()["rows"]
    assert [(r["conversation_external_id"], r["selected_external_id"]) for r in stale] == [("conv-1", "C-3")]
