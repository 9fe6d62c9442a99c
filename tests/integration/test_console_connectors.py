"""The console's data connectors in a real Chromium against the real app, a real Neo4j
and the loopback shop API (tests/integration/remote.py): a secret whose value no page
shows again; Intercom's "Get order options" set up in the form, tested live for a
conversation before it is saved, saved and run; a record's problem in the test; a bad
URL refused beside its field with nothing lost; a read token's disabled controls; forged
posts, another workspace's ids and markup in names."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
from tests.integration.conftest import signed_in
from tests.integration.helpers import ORDER, edges, external_ids

SECRET = "s3cr3t-console-shop-0xC0FFEE"
CONTROLS = "main :is(input:not([type=hidden]), select, textarea, button)"


def rest(live, method: str, path: str, body=None, ok=(200, 201)) -> dict:
    answer = httpx.request(method, f"{live.url}{path}", json=body, headers={"Authorization": f"Bearer {live.token}"},
                            timeout=30)
    assert answer.status_code in ok, answer.text
    return answer.json() if answer.content else {}


@pytest.fixture(scope="module")
def shop(live):
    """The module's workspace: Order, Conversation.order_options (many, to Order), a
    person with an email and a conversation with her as its contact."""
    rest(live, "POST", "/v1/types", ORDER)
    rest(live, "POST", "/v1/types/Conversation/attributes", {
        "name": "order_options", "data_type": "reference", "reference": {"target": "Order", "cardinality": "many"}})
    rest(live, "POST", "/v1/objects/Person", {"external_id": "cust-1", "attributes": {"email": "ada@example.com"}})
    rest(live, "POST", "/v1/objects/Conversation", {"external_id": "conv-1",
                                                     "references": {"contact": {"external_id": "cust-1"}}})
    return live


def api_connector(remote, name: str, path: str = "/orders", **changes) -> dict:
    spec = {"name": name, "description": "Orders", "object_type": "Order",
            "request": {"url": f"{remote.url}{path}", "query": {"email": "{{conversation.contact.email}}"},
                        "headers": {"X-Shop-Key": "header-key-123"},
                        "auth": {"type": "bearer", "secret": "shop_token"}},
            "response": {"records": "data.orders", "external_id": "id",
                         "attributes": {"order_number": "number", "total": "amount.value"}},
            "update_reference": {"on": "Conversation", "attribute": "order_options"}}
    return {**spec, **changes}


def connectors(graph, workspace) -> dict[str, dict]:
    records, _, _ = graph.execute_query("MATCH (c:_Connector {workspace: $ws}) RETURN c.name AS n, c.spec AS s",
                                        ws=workspace)
    return {r["n"]: json.loads(r["s"]) for r in records}


async def fill_order_options(page, remote, name: str, path: str = "/orders") -> None:
    """Intercom's "Get order options", section by section."""
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Description", exact=True).fill("The customer's recent orders, to pick one in the conversation")
    await page.get_by_label("URL", exact=True).fill(f"{remote.url}{path}")
    await page.get_by_label("Query parameters").fill("email={{conversation.contact.email}}")
    await page.get_by_label("Headers").fill("Accept: application/json")
    await page.get_by_label("Scheme").select_option("bearer")
    await page.get_by_label("Secret", exact=True).select_option("shop_token")
    await page.get_by_label("Object type").select_option("Order")
    await page.get_by_label("Records", exact=True).fill("data.orders")
    await page.get_by_label("External id", exact=True).fill("id")
    await page.get_by_label("Attributes", exact=True).fill("order_number = number\ntotal = amount.value")
    await page.get_by_label("References (optional)").fill("customer = customer_id")
    await page.get_by_label("Reference to update").select_option("Conversation.order_options")


async def set_the_secret_in_the_console(page, live) -> list[str]:
    """shop_token set on the connectors page, after a bad name; the pages seen."""
    await page.goto(f"{live.url}/console/connectors")
    await page.get_by_label("Secret name").fill("1 shop token")
    await page.get_by_label("Secret value").fill(SECRET)
    await page.get_by_role("button", name="Save secret").click()
    assert "A letter" in await page.locator("#secret_name-error").inner_text()
    assert await page.get_by_label("Secret name").input_value() == "1 shop token"
    assert await page.get_by_label("Secret value").input_value() == ""  # the value typed is not written back
    seen = [await page.content()]
    await page.get_by_label("Secret name").fill("shop_token")
    await page.get_by_label("Secret value").fill(SECRET)
    await page.get_by_role("button", name="Save secret").click()
    assert "Secret shop_token set." in await page.get_by_role("status").inner_text()
    assert "shop_token" in await page.get_by_role("table").nth(1).inner_text()
    return seen + [await page.content()]


async def test_intercoms_get_order_options_set_up_tested_saved_and_run(chromium, shop, remote, graph):
    live = shop
    page = await signed_in(chromium, live, live.token)
    seen = await set_the_secret_in_the_console(page, live)

    # The form, then the live test for the conversation, before anything is saved.
    await page.get_by_role("link", name="New data connector").click()
    orders_before = external_ids(graph, live.workspace, "Order")
    await fill_order_options(page, remote, "Get order options")
    await page.get_by_label("Test for a").select_option("Conversation")
    await page.get_by_label("Test for: its id or external id").fill("conv-1")
    await page.get_by_role("button", name="Test", exact=True).click()
    result = await page.locator("#test-result").inner_text()
    assert "HTTP status: 200" in result and f"GET {remote.url}/orders" in result, result
    raw = await page.get_by_label("Raw response").inner_text()
    assert '"ORDER-A1"' in raw and '"currency": "EUR"' in raw
    rows = await page.locator("#mapped-records tbody tr").all_inner_texts()
    assert {r.split("\t")[0] for r in rows} == {"A-1", "B-2", "C-3"}
    assert any("ORDER-A1" in r and "19.9" in r and "cust-1" in r for r in rows), rows
    assert await page.locator("#record-problems").count() == 0
    sent = remote.requests[-1]  # the contact's email, and the secret in the request only
    assert sent["query"] == {"email": ["ada@example.com"]}
    assert sent["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert await page.get_by_label("URL", exact=True).input_value() == f"{remote.url}/orders"  # nothing lost
    assert await page.get_by_label("Reference to update").input_value() == "Conversation.order_options"
    assert "Get order options" not in connectors(graph, live.workspace)  # the test saved nothing, wrote nothing
    assert external_ids(graph, live.workspace, "Order") == orders_before
    seen.append(await page.content())

    await page.get_by_role("button", name="Save connector").click()
    assert "/console/connectors/" in page.url and not page.url.endswith("/new")
    connector_url = page.url
    saved = connectors(graph, live.workspace)["Get order options"]
    assert (saved["object_type"], saved["request"]["query"], saved["request"]["auth"]["secret"],
            saved["update_reference"]) == ("Order", {"email": "{{conversation.contact.email}}"}, "shop_token",
                                           {"on": "Conversation", "attribute": "order_options"})
    assert set(saved["response"]["attributes"].items()) == {("order_number", "number"), ("total", "amount.value")}
    assert saved["response"]["references"]["customer"]["external_id"] == "customer_id"

    # A run for the conversation: its record, then the list of runs.
    await page.get_by_label("Run for a").select_option("Conversation")
    await page.get_by_label("Run for: its id or external id").fill("conv-1")
    await page.get_by_role("button", name="Start a run").click()
    record = await page.locator("#run-record").inner_text()
    assert "succeeded" in record and "3 fetched, 3 created, 0 updated, 0 unchanged, 3 linked" in record, record
    runs = await page.locator("#past-runs tbody tr").all_inner_texts()
    assert len(runs) == 1 and runs[0].startswith("succeeded") and "Conversation conv-1" in runs[0]  # the id typed
    assert "For\nConversation conv-1" in record or "For\tConversation conv-1" in record, record
    assert edges(graph, live.workspace, "ORDER_OPTIONS") == {("conv-1", o) for o in ("A-1", "B-2", "C-3")}
    assert set(external_ids(graph, live.workspace, "Order")) == {"A-1", "B-2", "C-3"}
    seen.append(await page.content())
    await page.goto(f"{live.url}/console/connectors")
    assert "Get order options" in await page.get_by_role("table").first.inner_text()
    seen.append(await page.content())
    assert all(SECRET not in html for html in seen)

    # At mobile width the page does not scroll sideways (wide tables scroll in their box).
    await page.close()
    page = await signed_in(chromium, live, live.token, width=390)
    await page.goto(connector_url)
    assert await page.get_by_role("heading", level=1).inner_text() == "Get order options"
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Deleting asks first, saying what goes and what stays; the objects it wrote stay.
    await page.get_by_role("link", name="Delete connector…").click()
    assert "the objects it wrote stay" in await page.get_by_role("status").inner_text()
    await page.get_by_role("button", name="Delete this data connector").click()
    assert "Data connector deleted." in await page.get_by_role("status").inner_text()
    assert "Get order options" not in connectors(graph, live.workspace)
    assert set(external_ids(graph, live.workspace, "Order")) == {"A-1", "B-2", "C-3"}
    await page.close()


async def test_a_record_problem_shows_in_the_test_of_a_saved_connector_and_nothing_is_saved(
        chromium, shop, remote, graph):
    live = shop
    rest(live, "PUT", "/v1/secrets/shop_token", {"value": SECRET})
    connector_id = rest(live, "POST", "/v1/connectors", api_connector(remote, "Orders with a gap"))["id"]
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/connectors/{connector_id}")
    assert await page.get_by_label("Headers").input_value() == "X-Shop-Key: header-key-123"  # an admin sees it
    await page.get_by_label("URL", exact=True).fill(f"{remote.url}/missing-id")
    await page.get_by_label("Test for: its id or external id").fill("conv-1")
    await page.get_by_role("button", name="Test", exact=True).click()
    mapped = await page.locator("#mapped-records tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in mapped] == ["D-4"]
    problems = await page.locator("#record-problems tbody tr").all_inner_texts()
    assert len(problems) == 1 and problems[0].startswith("2") and "no external id at 'id'" in problems[0], problems
    assert "run fails on them" in await page.locator("#record-problems caption").inner_text()
    assert await page.get_by_label("URL", exact=True).input_value() == f"{remote.url}/missing-id"
    assert connectors(graph, live.workspace)["Orders with a gap"]["request"]["url"] == f"{remote.url}/orders"

    # A conversation that does not exist is named beside its field.
    await page.get_by_label("Test for: its id or external id").fill("conv-nobody")
    await page.get_by_label("Test for: its id or external id").press("Enter")  # the keyboard: Enter tests
    assert "conv-nobody" in await page.locator("#test_id-error").inner_text()
    await page.close()


async def test_a_bad_url_is_refused_beside_the_field_with_nothing_lost(chromium, shop, remote, graph):
    live = shop
    rest(live, "PUT", "/v1/secrets/shop_token", {"value": SECRET})
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/connectors/new")
    await fill_order_options(page, remote, "Bad URL orders")
    await page.get_by_label("URL", exact=True).fill("ftp://shop.example/orders")
    await page.get_by_label("Headers").fill("Accept application/json")  # no colon: refused too, at once
    await page.get_by_role("button", name="Save connector").click()
    assert "only http and https" in await page.locator("#url-error").inner_text()
    assert "line 1" in await page.locator("#headers-error").inner_text()
    assert await page.get_by_label("URL", exact=True).get_attribute("aria-invalid") == "true"
    kept = {label: await page.get_by_label(label, exact=True).input_value()
            for label in ("Name", "URL", "Query parameters", "Attributes", "Records", "Reference to update", "Secret")}
    assert kept == {"Name": "Bad URL orders", "URL": "ftp://shop.example/orders",
                    "Query parameters": "email={{conversation.contact.email}}",
                    "Attributes": "order_number = number\ntotal = amount.value", "Records": "data.orders",
                    "Reference to update": "Conversation.order_options", "Secret": "shop_token"}
    assert "Bad URL orders" not in connectors(graph, live.workspace)
    await page.close()


async def test_a_read_token_sees_connectors_and_no_enabled_control_nor_keys(chromium, shop, remote, graph):
    live = shop
    rest(live, "PUT", "/v1/secrets/shop_token", {"value": SECRET})
    connector_id = rest(live, "POST", "/v1/connectors", api_connector(remote, "Read-only view"))["id"]
    made = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), live.workspace, "read")
    page = await signed_in(chromium, live, made["token"])
    await page.goto(f"{live.url}/console/connectors")
    assert "Read-only view" in await page.get_by_role("table").first.inner_text()
    assert "shown to admin tokens only" in await page.locator("main").inner_text()
    assert await page.locator(CONTROLS).count() >= 2
    assert await page.locator(f"{CONTROLS}:enabled").count() == 0
    assert "needs an admin token" in await page.locator("#why-admin").inner_text()
    await page.get_by_role("link", name="Read-only view").click()
    assert await page.get_by_label("URL", exact=True).input_value() == f"{remote.url}/orders"
    assert await page.locator(CONTROLS).count() >= 10
    assert await page.locator(f"{CONTROLS}:enabled").count() == 0
    assert "needs a write or admin token" in await page.locator("#why-write").inner_text()
    html = await page.content()
    assert "header-key-123" not in html and SECRET not in html and "[hidden: admin tokens only]" in html
    assert connector_id in page.url
    await page.close()


async def test_forged_posts_other_workspaces_and_markup_are_refused(chromium, shop, remote, graph):
    live = shop
    rest(live, "PUT", "/v1/secrets/shop_token", {"value": SECRET})
    markup = "<img src=x onerror=alert(1)>Orders"
    connector_id = rest(live, "POST", "/v1/connectors", api_connector(remote, markup))["id"]
    page = await signed_in(chromium, live, live.token)
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["refgraph_console"]
    before = connectors(graph, live.workspace)
    for path, data in (("/console/connectors", {"name": "Forged", "url": "https://evil.example/"}),
                       ("/console/secrets", {"secret_name": "forged", "secret_value": "x"}),
                       (f"/console/connectors/{connector_id}/runs", {"run_on": "Conversation", "run_id": "conv-1"}),
                       (f"/console/connectors/{connector_id}/delete", {})):
        forged = httpx.post(f"{live.url}{path}", data={**data, "csrf": "guess"},
                            cookies={"refgraph_console": cookie})
        assert forged.status_code == 403, path
    assert connectors(graph, live.workspace) == before
    secrets, _, _ = graph.execute_query("MATCH (s:_Secret {workspace: $ws}) RETURN s.name AS n", ws=live.workspace)
    assert {r["n"] for r in secrets} == {"shop_token"}
    runs, _, _ = graph.execute_query("MATCH (r:_ConnectorRun {workspace: $ws, connector_id: $id}) RETURN r",
                                     ws=live.workspace, id=connector_id)
    assert runs == []

    await page.goto(f"{live.url}/console/connectors")
    assert markup in await page.get_by_role("table").first.inner_text()
    assert await page.locator("main img").count() == 0
    await page.close()

    # An admin of another workspace: this workspace's connector is not found, for reading or changing.
    other = f"ws_{uuid.uuid4().hex[:12]}"
    made = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), other, "admin")
    page = await signed_in(chromium, live, made["token"])
    answer = await page.goto(f"{live.url}/console/connectors/{connector_id}")
    assert answer.status == 404
    await page.goto(f"{live.url}/console/connectors")
    assert markup not in await page.inner_text("main") and "shop_token" not in await page.inner_text("main")
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["refgraph_console"]
    for path, data in ((f"/console/connectors/{connector_id}", {"name": "Taken", "action": "save"}),
                       (f"/console/connectors/{connector_id}", {"action": "test"}),
                       (f"/console/connectors/{connector_id}/runs", {"run_on": "Conversation", "run_id": "conv-1"}),
                       (f"/console/connectors/{connector_id}/delete", {})):
        answer = httpx.post(f"{live.url}{path}", data={**data, "csrf": csrf}, cookies={"refgraph_console": cookie})
        assert answer.status_code == 404, (path, answer.text[:200])
    assert connectors(graph, live.workspace) == before
    await page.close()
