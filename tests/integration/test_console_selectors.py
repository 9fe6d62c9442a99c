"""Selector steps in the console, in a real Chromium against the real app and a real Neo4j:
only valid display and selection attributes offered (and why the others are not), a step
created from the form with its refusals beside their fields, the buttons previewed for a
conversation as the customer sees them, one picked (by mouse and by keyboard) and read
back from the graph; a read token's disabled controls, another workspace's step, markup."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
from tests.integration.conftest import signed_in
from tests.integration.helpers import ORDER

ORDERS = {"name": "orders", "data_type": "reference", "reference": {"target": "Order", "cardinality": "many"}}
SELECTED = {"name": "selected_order", "data_type": "reference", "reference": {"target": "Order", "cardinality": "one"}}
MADE = [("o-1", "ORDER-A1", 19.9), ("o-2", "ORDER-B2", 5.0), ("o-3", "ORDER-C3", 120.5)]
# As a customer sees them: "{{order_number}} ({{total}})", order_number descending.
EXPECTED = ["ORDER-C3 (120.5)", "ORDER-B2 (5.0)", "ORDER-A1 (19.9)"]


def rest(live, token: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token or live.token}"}, timeout=30)


def ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json() if response.content else {}


@pytest.fixture(scope="module")
def desk(live):
    """Order, Conversation.orders (many) and .selected_order (one), three orders, and two
    conversations: conv-1 offered all three, conv-2 only the first."""
    with rest(live) as api:
        ok(api.post("/v1/types", json=ORDER))
        for attribute in (ORDERS, SELECTED):
            ok(api.post("/v1/types/Conversation/attributes", json=attribute))
        ids = {}
        for external_id, number, total in MADE:
            ids[external_id] = ok(api.post("/v1/objects/Order", json={
                "external_id": external_id, "attributes": {"order_number": number, "total": total}}))["id"]
        conversations = {}
        for external_id, offered in (("conv-1", ["o-1", "o-2", "o-3"]), ("conv-2", ["o-1"])):
            conversations[external_id] = ok(api.post("/v1/objects/Conversation", json={
                "external_id": external_id, "attributes": {"title": "Where is my order?"},
                "references": {"orders": [{"external_id": e} for e in offered]}}))["id"]
    return {"orders": ids, "conversations": conversations}


def token_for(graph, workspace: str, scope: str) -> str:
    return tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), workspace, scope)["token"]


def selections(graph, workspace: str) -> set[tuple[str, str]]:
    records, _, _ = graph.execute_query(
        "MATCH (c:Conversation {workspace: $ws})-[:SELECTED_ORDER]->(o:Order) RETURN c.external_id AS c, "
        "o.external_id AS o", ws=workspace)
    return {(r["c"], r["o"]) for r in records}


def make_step(live, name: str, **changes) -> str:
    spec = {"name": name, "object_type": "Order", "display_attribute": "orders",
            "selection_attribute": "selected_order", "button_label": "{{order_number}} ({{total}})",
            "order": {"by": "order_number", "direction": "desc"}, **changes}
    with rest(live) as api:
        return ok(api.post("/v1/selectors", json=spec))["id"]


async def options_of(page, label: str) -> list[str]:
    return await page.get_by_label(label).locator("option").evaluate_all("os => os.map(o => o.value)")


async def test_a_step_from_valid_choices_its_buttons_as_the_customer_sees_them_and_a_pick(chromium, live, graph,
                                                                                         desk):
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/selectors")
    # Only valid choices: Order (Person has Conversation.contact to one, but no reference to many).
    assert await options_of(page, "Objects shown as buttons") == ["Order"]
    assert await options_of(page, "Options: the Conversation reference to many Order") == ["orders"]
    assert await options_of(page, "Choice: the Conversation reference to one Order") == ["selected_order"]
    notes = await page.get_by_role("list", name="Choices not offered").inner_text()
    assert "Person is not offered: Conversation.contact could store the customer's pick, but Conversation has no " \
           "reference to many Person to show as buttons." in notes

    name = f"Pick an order {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Button label").fill("{{order_number}} ({{total}})")
    await page.get_by_label("Order the buttons by").select_option("order_number")
    await page.get_by_label("Direction").select_option("desc")
    await page.get_by_role("button", name="Create step").click()
    assert "/console/selectors/" in page.url, await page.inner_text("main")
    step_id = page.url.rsplit("/", 1)[1]
    records, _, _ = graph.execute_query("MATCH (s:_Selector {workspace: $ws, id: $id}) RETURN s.spec AS spec",
                                        ws=live.workspace, id=step_id)
    spec = json.loads(records[0]["spec"])
    assert (spec["display_attribute"], spec["selection_attribute"], spec["order"]) == (
        "orders", "selected_order", {"by": "order_number", "direction": "desc"})

    await page.get_by_label("Conversation (id or external id)").fill("conv-1")
    await page.get_by_role("button", name="Show the buttons").click()
    shown = page.get_by_role("group", name="What the customer sees").get_by_role("button")
    assert await shown.all_inner_texts() == EXPECTED
    with rest(live) as api:  # the API's buttons for the customer: the same labels, in the same order
        answered = ok(api.post(f"/v1/conversations/{desk['conversations']['conv-1']}/selectors/{step_id}/buttons"))
    assert [b["label"] for b in answered["data"]] == EXPECTED
    assert "No selection stored" in await page.locator("#selection").inner_text()

    await page.get_by_role("button", name="ORDER-B2 (5.0)").click()
    assert "conversation=" in page.url
    assert "ORDER-B2 (5.0)" in await page.locator("#selection").inner_text()
    assert selections(graph, live.workspace) == {("conv-1", "o-2")}
    # With the keyboard: the pick replaces the earlier one, never two.
    await page.get_by_role("button", name="ORDER-A1 (19.9)").focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "ORDER-A1 (19.9)" in await page.locator("#selection").inner_text()
    assert selections(graph, live.workspace) == {("conv-1", "o-1")}

    # The preview found by id too; an unknown conversation is said beside the field.
    await page.get_by_label("Conversation (id or external id)").fill(desk["conversations"]["conv-2"])
    await page.get_by_role("button", name="Show the buttons").click()
    assert await shown.all_inner_texts() == ["ORDER-A1 (19.9)"]
    await page.get_by_label("Conversation (id or external id)").fill("nobody")
    await page.get_by_role("button", name="Show the buttons").click()
    assert "No Conversation has the id or external id 'nobody'" in await page.locator("#conversation-error").inner_text()
    assert await page.get_by_label("Conversation (id or external id)").input_value() == "nobody"
    await page.close()


async def test_a_pick_not_among_the_options_is_refused_beside_the_buttons(chromium, live, graph, desk):
    step_id = make_step(live, f"Refusals {uuid.uuid4().hex[:6]}")
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/selectors/{step_id}?conversation=conv-2")
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    before = selections(graph, live.workspace)
    answer = await page.request.post(f"{live.url}/console/selectors/{step_id}/select", form={
        "csrf": csrf, "conversation": desk["conversations"]["conv-2"], "object_id": desk["orders"]["o-3"]})
    assert answer.status == 422 and "was not among the options offered" in await answer.text()
    forged = await page.request.post(f"{live.url}/console/selectors/{step_id}/select", form={
        "csrf": "guess", "conversation": desk["conversations"]["conv-2"], "object_id": desk["orders"]["o-1"]})
    assert forged.status == 403
    assert selections(graph, live.workspace) == before
    await page.close()


async def test_each_broken_rule_is_said_beside_its_field_with_nothing_lost(chromium, live, desk):
    taken = f"Taken {uuid.uuid4().hex[:6]}"
    make_step(live, taken)
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/selectors")
    await page.get_by_label("Name").fill("Colours")
    await page.get_by_label("Button label").fill("{{colour}} <b>")
    await page.get_by_label("At most this many buttons").fill("99")
    await page.get_by_role("button", name="Create step").click()
    assert "less than or equal to 50" in await page.locator("#max_buttons-error").inner_text()
    assert await page.get_by_label("Button label").input_value() == "{{colour}} <b>"
    await page.get_by_label("At most this many buttons").fill("5")
    await page.get_by_role("button", name="Create step").click()
    assert await page.locator("#button_label-error").inner_text() == \
        "The button label uses {{colour}}, which is not an attribute of Order."
    assert await page.get_by_label("Name").input_value() == "Colours"
    await page.get_by_label("Button label").fill("{{order_number}}")
    await page.get_by_label("Name").fill(taken)
    await page.get_by_role("button", name="Create step").click()
    assert "already exists" in await page.locator("#name-error").inner_text()
    await page.close()


async def test_a_conversation_without_references_says_what_to_add(chromium, live, graph):
    page = await signed_in(chromium, live, token_for(graph, f"ws_{uuid.uuid4().hex[:12]}", "admin"))
    await page.goto(f"{live.url}/console/selectors")
    main = await page.inner_text("main")
    assert "Conversation has no reference to many objects" in main and "add one on the Conversation type page" in main
    assert "Person is not offered: Conversation.contact could store the customer's pick" in main
    link = page.get_by_role("link", name="Conversation type page").first
    assert (await link.get_attribute("href")).startswith("/console/types/Conversation")
    assert await page.get_by_role("button", name="Create step").count() == 0
    await page.close()


async def test_a_read_token_previews_but_no_control_that_changes_anything_is_enabled(chromium, live, graph, desk):
    step_id = make_step(live, f"Read only {uuid.uuid4().hex[:6]}")
    page = await signed_in(chromium, live, token_for(graph, live.workspace, "read"))
    await page.goto(f"{live.url}/console/selectors")
    assert await page.get_by_role("button", name="Create step").is_disabled()
    assert await page.get_by_label("Name").is_disabled()
    assert "needs an admin token; this one is read" in await page.locator("#why-admin").inner_text()

    await page.goto(f"{live.url}/console/selectors/{step_id}")
    await page.get_by_label("Conversation (id or external id)").fill("conv-1")
    await page.get_by_role("button", name="Show the buttons").click()  # previewing is a read
    shown = page.get_by_role("group", name="What the customer sees").get_by_role("button")
    assert await shown.all_inner_texts() == EXPECTED
    for button in await page.locator("form[method=post] button").all():
        if await button.inner_text() != "Sign out":
            assert await button.is_disabled(), await button.inner_text()
    assert "Picking a button needs a write or admin token; this one is read." in \
        await page.locator("#why-pick").inner_text()
    # Sent anyway (with the page's own CSRF secret): refused, nothing stored.
    before = selections(graph, live.workspace)
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    answer = await page.request.post(f"{live.url}/console/selectors/{step_id}/select", form={
        "csrf": csrf, "conversation": desk["conversations"]["conv-1"], "object_id": desk["orders"]["o-3"]})
    assert answer.status == 403
    deleted = await page.request.post(f"{live.url}/console/selectors/{step_id}/delete", form={"csrf": csrf})
    assert deleted.status == 403
    assert selections(graph, live.workspace) == before
    records, _, _ = graph.execute_query("MATCH (s:_Selector {id: $id}) RETURN s", id=step_id)
    assert len(records) == 1
    await page.close()


async def test_another_workspaces_step_is_not_found_and_markup_is_text(chromium, live, graph, desk):
    step_id = make_step(live, "<script>alert(1)</script>", button_label="{{order_number}} <img src=x>")
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/selectors/{step_id}?conversation=conv-1")
    assert await page.get_by_role("heading", level=1).inner_text() == "<script>alert(1)</script>"
    assert "ORDER-C3 <img src=x>" in await page.get_by_role("group", name="What the customer sees").inner_text()
    assert await page.locator("main script, main img").count() == 0
    await page.close()

    stranger = await signed_in(chromium, live, token_for(graph, f"ws_{uuid.uuid4().hex[:12]}", "admin"))
    answer = await stranger.goto(f"{live.url}/console/selectors/{step_id}")
    assert answer.status == 404
    await stranger.goto(f"{live.url}/console/selectors")
    csrf = await stranger.locator("input[name=csrf]").first.get_attribute("value")
    before = selections(graph, live.workspace)
    for action, form in (("select", {"conversation": desk["conversations"]["conv-1"],
                                     "object_id": desk["orders"]["o-3"]}), ("delete", {})):
        answer = await stranger.request.post(f"{live.url}/console/selectors/{step_id}/{action}",
                                             form={"csrf": csrf, **form})
        assert answer.status == 404, action
    assert selections(graph, live.workspace) == before
    records, _, _ = graph.execute_query("MATCH (s:_Selector {id: $id}) RETURN s", id=step_id)
    assert len(records) == 1
    await stranger.close()


async def test_a_step_with_a_connector_runs_it_before_the_buttons(chromium, live, graph, desk, remote):
    with rest(live) as api:
        ok(api.post("/v1/objects/Person", json={"external_id": "cust-1", "attributes": {"email": "ada@example.com"}}))
        ok(api.post("/v1/objects/Conversation", json={"external_id": "conv-r", "attributes": {"title": "Hi"}, "references": {
            "contact": {"external_id": "cust-1"}}}))
        connector = ok(api.post("/v1/connectors", json={
            "name": f"Orders {uuid.uuid4().hex[:6]}", "object_type": "Order",
            "request": {"url": f"{remote.url}/orders", "query": {"email": "{{conversation.contact.email}}"},
                        "timeout_s": 2},
            "response": {"records": "data.orders", "external_id": "id",
                         "attributes": {"order_number": "number", "total": "amount.value"}},
            "update_reference": {"on": "Conversation", "attribute": "orders"}}))
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/selectors")
    assert connector["id"] in await options_of(page, "Connector that fills the options first (optional)")
    step_id = make_step(live, f"With connector {uuid.uuid4().hex[:6]}", connector_id=connector["id"])
    await page.goto(f"{live.url}/console/selectors/{step_id}?conversation=conv-r")
    assert "holds no Order for this conversation" in await page.locator("#reason").inner_text()
    await page.get_by_role("button", name="Run the connector, then show the buttons").click()
    assert "ran for it (succeeded)" in await page.inner_text("main")
    shown = page.get_by_role("group", name="What the customer sees").get_by_role("button")
    assert await shown.all_inner_texts() == EXPECTED
    assert await page.get_by_label("Conversation (id or external id)").input_value() == "conv-r"  # as typed
    assert await page.locator("#reason").count() == 0  # buttons found: no "No buttons to offer" above them
    await page.close()


async def test_mobile_width_keeps_the_buttons_reachable(chromium, live, desk):
    step_id = make_step(live, f"Mobile {uuid.uuid4().hex[:6]}")
    page = await signed_in(chromium, live, live.token, width=360)
    await page.goto(f"{live.url}/console/selectors/{step_id}?conversation=conv-1")
    for button in await page.get_by_role("group", name="What the customer sees").get_by_role("button").all():
        box = await button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    assert await page.get_by_role("cell", name="Orders", exact=True).is_visible()  # the step's values are not hidden
    await page.close()
