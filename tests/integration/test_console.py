"""The admin console in a real Chromium (Debian's, driven by Playwright) against the real
app on loopback and a real Neo4j: signing in and out, the object types and their pages,
creating a type with errors next to the field, a read token's disabled controls, and a
form post from elsewhere refused."""

from __future__ import annotations

import httpx

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
from tests.conftest import live_api_server
from tests.integration.conftest import signed_in


async def test_an_admin_signs_in_sees_the_types_creates_one_and_signs_out(chromium, live, graph):
    page = await signed_in(chromium, live, live.token)
    assert page.url.endswith("/console/types")
    rows = await page.get_by_role("table").locator("tbody tr").all_inner_texts()
    assert any(r.startswith("Person") for r in rows) and any(r.startswith("Conversation") for r in rows)
    cookie = next(c for c in await page.context.cookies() if c["name"] == "refgraph_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and live.token not in cookie["value"]

    await page.get_by_label("Name").fill("Passport number")
    await page.get_by_role("button", name="Create").click()
    error = page.locator("#name-error")
    assert "use letters, digits and _, starting with a letter" in await error.inner_text()
    assert "Passport_number" in await error.inner_text()
    assert await page.get_by_label("Name").input_value() == "Passport number"  # nothing lost from the form

    await page.get_by_label("Name").fill("Passport")
    await page.get_by_label("Description").fill("A travel document")
    await page.get_by_role("button", name="Create").click()
    assert page.url.endswith("/console/types/Passport")
    assert await page.get_by_role("heading", level=1).inner_text() == "Passport Passport"
    records, _, _ = graph.execute_query("MATCH (t:_Type {workspace: $ws, name: 'Passport'}) RETURN t.description AS d",
                                        ws=live.workspace)
    assert [r["d"] for r in records] == ["A travel document"]

    await page.goto(f"{live.url}/console/types/Conversation")
    assert "Each Conversation references one Person; each Person can have many Conversation" in \
        await page.get_by_role("table").inner_text()
    await page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/console/sign-in")
    await page.goto(f"{live.url}/console/types")
    assert page.url.endswith("/console/sign-in")
    await page.close()


async def test_a_read_token_sees_everything_and_no_enabled_control(chromium, live, graph):
    made = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), live.workspace, "read")
    page = await signed_in(chromium, live, made["token"])
    assert page.url.endswith("/console/types")
    assert await page.get_by_role("button", name="Create").is_disabled()
    assert "needs an admin token" in await page.locator("#why-admin").inner_text()
    await page.close()


async def test_a_bad_token_and_a_post_from_elsewhere_are_refused(chromium, live, graph):
    page = await chromium.new_page()
    await page.goto(f"{live.url}/console/sign-in")
    await page.get_by_label("Token").fill("not-a-token")
    await page.get_by_role("button", name="Sign in").click()
    assert "not valid" in await page.locator("#token-error").inner_text()
    await page.close()

    page = await signed_in(chromium, live, live.token)
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    # A post with the session cookie but not the page's CSRF secret (what another site's form would send).
    forged = httpx.post(f"{live.url}/console/types", data={"name": "Forged", "csrf": "guess"},
                        cookies={"refgraph_console": cookies["refgraph_console"]})
    assert forged.status_code == 403
    records, _, _ = graph.execute_query("MATCH (t:_Type {workspace: $ws, name: 'Forged'}) RETURN t", ws=live.workspace)
    assert records == []
    # A name that is markup is shown as text, never run.
    await page.goto(f"{live.url}/console/types/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert "<script>alert(1)</script>" in await page.inner_text("body")
    await page.close()


async def test_intercoms_passport_in_the_console(chromium, live, graph):
    """A Passport type with its number and expiry date, and the one-to-one reference to
    People with "Allow referencing to multiple" off on both sides."""
    page = await signed_in(chromium, live, live.token)
    await page.get_by_label("Name").fill("Travel")
    await page.get_by_role("button", name="Create").click()
    for name, data_type in (("passport_number", "string"), ("expiry_date", "date")):
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("Data type").select_option(data_type)
        await page.get_by_role("button", name="Add attribute").click()
        assert page.url.endswith("/console/types/Travel")
    await page.get_by_label("Name", exact=True).fill("holder")
    await page.get_by_label("Data type").select_option("reference")
    await page.get_by_label("Refers to").select_option("Person")
    await page.get_by_label("Reverse name").fill("travel")
    await page.get_by_label("Allow each of them to be referenced by multiple").uncheck()
    await page.get_by_role("button", name="Add attribute").click()
    table = await page.get_by_role("table").inner_text()
    assert "Each Travel references one Person; each Person can have one Travel (travel)" in table

    await page.get_by_label("Name", exact=True).fill("status")
    await page.get_by_label("Data type").select_option("enum")
    await page.get_by_role("button", name="Add attribute").click()  # no options: refused, in words
    assert "options" in await page.get_by_role("alert").inner_text()
    assert await page.get_by_label("Name", exact=True).input_value() == "status"
    records, _, _ = graph.execute_query(
        "MATCH (:_Type {workspace: $ws, name: 'Travel'})-[:HAS_ATTRIBUTE]->(a) RETURN a.name AS n, a.cardinality AS c, "
        "a.inverse_cardinality AS i", ws=live.workspace)
    assert {(r["n"], r["c"], r["i"]) for r in records} == {
        ("passport_number", None, None), ("expiry_date", None, None), ("holder", "one", "one")}
    await page.close()

    # A person with a passport, and a second passport for her refused with the reason.
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/types/Person/objects")
    await page.get_by_label("External id", exact=True).fill("ada")
    await page.get_by_label("Name", exact=True).fill("Ada Lovelace")
    await page.get_by_role("button", name="Create").click()
    assert "Ada Lovelace" in await page.get_by_role("table").first.inner_text()
    for number, expected in (("tp1", None), ("tp2", "Person ada already has a Travel (tp1)")):
        await page.goto(f"{live.url}/console/types/Travel/objects")
        await page.get_by_label("External id", exact=True).fill(number)
        await page.get_by_label("Passport number").fill(f"P-{number}")
        await page.get_by_label("Expiry date").fill("2030-01-31")
        await page.get_by_label("Holder (Person external id)").fill("ada")
        await page.get_by_role("button", name="Create").click()
        if expected is None:
            assert "/console/types/Travel/objects/" in page.url
            assert "ada" in await page.get_by_role("table").nth(1).inner_text()
        else:
            alert = await page.get_by_role("alert").inner_text()
            assert expected in alert and "tp1" in alert and 'Tick "Move taken targets here"' in alert, alert
            assert await page.get_by_label("Passport number").input_value() == "P-tp2"
    await page.get_by_label("Holder (Person external id)").fill("ada, bob")
    await page.get_by_role("button", name="Create").click()
    assert "reference to one Person: 2 targets given" in await page.locator("#holder-error").inner_text()
    await page.get_by_label("Holder (Person external id)").fill("ada")
    assert await page.get_by_label("Expiry date").get_attribute("type") == "date"  # the browser's date picker
    records, _, _ = graph.execute_query(
        "MATCH (t:Travel {workspace: $ws})-[:HOLDER]->(p:Person) RETURN t.external_id AS t, p.external_id AS p, "
        "toString(t.expiry_date) AS d", ws=live.workspace)
    assert {(r["t"], r["p"], r["d"]) for r in records} == {("tp1", "ada", "2030-01-31")}
    await page.get_by_label("Expiry date").fill("2031-01-31")  # her new passport replaces the old one
    await page.get_by_label("Move taken targets here").check()
    await page.get_by_role("button", name="Create").click()
    records, _, _ = graph.execute_query(
        "MATCH (t:Travel {workspace: $ws}) OPTIONAL MATCH (t)-[:HOLDER]->(p:Person) "
        "RETURN t.external_id AS t, p.external_id AS p", ws=live.workspace)
    assert {(r["t"], r["p"]) for r in records} == {("tp1", None), ("tp2", "ada")}
    await page.close()


def test_guessing_tokens_is_slowed_down_as_on_the_api(neo4j_target):
    # A server of its own (this address gets locked out), refilling slowly enough that a
    # busy machine's slower requests do not earn new guesses.
    with live_api_server(neo4j_target, auth_failures_per_s=0.01, auth_failure_burst=5) as other:
        answers = [httpx.post(f"{other.url}/console/sign-in", data={"token": f"guess-{n}", "csrf": "c"},
                              cookies={"refgraph_console_pre": "c"}).status_code for n in range(10)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}, answers


def rest(live):
    return httpx.Client(base_url=f"{live.url}/v1", headers={"Authorization": f"Bearer {live.token}"}, timeout=30)


async def test_a_cardinality_change_shows_its_dry_run_then_applies_and_restores(chromium, live, graph):
    with rest(live) as api:
        assert api.post("/types", json={"name": "Shipment"}).status_code == 201
        assert api.post("/types/Shipment/attributes", json={
            "name": "carriers", "data_type": "reference",
            "reference": {"target": "Person", "cardinality": "many",
                          "inverse": {"name": "shipments", "cardinality": "many"}}}).status_code == 201
        for person in ("c1", "c2", "c3"):
            assert api.post("/objects/Person", json={"external_id": person}).status_code in (200, 201)
        # s1 holds c1 then c2 (c2 is the more recent, so it survives); s2 holds c3 only.
        s1 = api.post("/objects/Shipment", json={"external_id": "s1",
                                                     "references": {"carriers": [{"external_id": "c1"}]}}).json()
        api.post(f"/objects/Shipment/{s1['id']}/references/carriers", json={"targets": [{"external_id": "c2"}]}).raise_for_status()
        api.post("/objects/Shipment", json={"external_id": "s2",
                                                 "references": {"carriers": [{"external_id": "c3"}]}}).raise_for_status()

    def pairs():
        records, _, _ = graph.execute_query("MATCH (s:Shipment {workspace: $ws})-[:CARRIERS]->(p:Person) "
                                            "RETURN s.external_id AS s, p.external_id AS p", ws=live.workspace)
        return {(r["s"], r["p"]) for r in records}

    everything = {("s1", "c1"), ("s1", "c2"), ("s2", "c3")}
    assert pairs() == everything
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/types/Shipment")
    await page.get_by_role("link", name="Edit Carriers").click()
    toggle = page.get_by_label("Allow referencing to multiple People")
    await toggle.uncheck()
    await page.get_by_role("button", name="Save changes").click()
    impact = await page.get_by_role("status").inner_text()
    assert "1 association would be deleted" in impact and "most recently written one survives" in impact
    assert (await page.get_by_role("table").locator("tbody tr").all_inner_texts()) == ["s1\tc1"]
    assert "Each Shipment references one Person" in await page.locator("dl").inner_text()
    await page.get_by_role("link", name="Cancel").click()  # cancelling changes nothing
    assert pairs() == everything
    assert await page.get_by_label("Allow referencing to multiple People").is_checked()

    await page.get_by_label("Allow referencing to multiple People").uncheck()
    await page.get_by_role("button", name="Save changes").click()
    await page.get_by_role("button", name="Apply this change").click()
    assert "1 association deleted" in await page.get_by_role("status").inner_text()
    assert pairs() == {("s1", "c2"), ("s2", "c3")}
    await page.get_by_role("button", name="Restore these associations").click()  # refused while it is one
    change_url = page.url
    assert "/console/changes/" in change_url  # a page of its own, not the POST's address
    said = await page.get_by_role("status").inner_text()
    assert "0 associations restored" in said and "the Shipment already references another Person" in said, said
    assert "Turn the toggle of Carriers back on first" in said, said
    assert "Shipment s1" in await page.get_by_role("table").inner_text()
    await page.get_by_role("link", name="Edit Carriers").click()  # the way to turn the toggle back on
    assert page.url.endswith("/console/types/Shipment/attributes/carriers")

    await page.get_by_label("Allow referencing to multiple People").check()  # back to many, then restore
    await page.get_by_role("button", name="Save changes").click()
    assert page.url.endswith("/console/types/Shipment")
    assert "Attribute 'carriers' saved." in await page.get_by_role("status").inner_text()
    await page.goto(f"{live.url}/console/changes")
    changes = await page.get_by_role("table").inner_text()
    assert "Shipment › Carriers: Each Shipment references one Person" in changes and "1 association" in changes
    assert "a static token" in changes  # who made it (the console signed in with the static dev token)
    await page.goto(change_url)
    await page.get_by_role("button", name="Restore these associations").click()
    assert "1 association restored" in await page.get_by_role("status").inner_text()
    assert pairs() == everything
    await page.goto(f"{live.url}/console/changes")
    assert "1 of 1, " in (await page.get_by_role("table").locator("tbody tr").first.inner_text())  # restored, when
    await page.close()


async def test_an_object_is_edited_where_it_is_shown_and_its_neighbourhood_links_to_its_targets(chromium, live, graph):
    with rest(live) as api:
        api.post("/types", json={"name": "Parcel"}).raise_for_status()
        api.post("/types/Parcel/attributes", json={"name": "weight", "data_type": "float"}).raise_for_status()
        api.post("/types/Parcel/attributes", json={"name": "code", "data_type": "string", "required": True}
                 ).raise_for_status()
        api.post("/types/Parcel/attributes", json={
            "name": "owner", "data_type": "reference",
            "reference": {"target": "Person", "cardinality": "one",
                          "inverse": {"name": "parcels", "cardinality": "many"}}}).raise_for_status()
        for person in ("pa", "pb"):
            api.post("/objects/Person", json={"external_id": person}).raise_for_status()
        parcel = api.post("/objects/Parcel", json={"external_id": "x1", "attributes": {"weight": 1.5, "code": "X"},
                                                   "references": {"owner": {"external_id": "pa"}}}).json()

    def stored():
        records, _, _ = graph.execute_query(
            "MATCH (x:Parcel {workspace: $ws}) OPTIONAL MATCH (x)-[:OWNER]->(p) "
            "RETURN x.weight AS w, x.code AS c, collect(p.external_id) AS owners", ws=live.workspace)
        return [(r["w"], r["c"], set(r["owners"])) for r in records]

    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/types/Parcel/objects/{parcel['id']}")
    assert await page.get_by_label("Weight").input_value() == "1.5"
    assert await page.get_by_label("Owner (Person external id)").input_value() == "pa"
    await page.get_by_label("Weight").fill("heavy")
    await page.get_by_label("Code (required)").fill("")
    await page.get_by_role("button", name="Save").click()
    assert (await page.locator("#weight-error").inner_text()).startswith("Weight: ")
    assert await page.get_by_label("Weight").input_value() == "heavy"  # nothing lost
    assert stored() == [(1.5, "X", {"pa"})]

    await page.get_by_label("Weight").fill("2.25")
    await page.get_by_role("button", name="Save").click()  # the required code emptied: refused, in words
    assert "code" in (await page.get_by_role("alert").inner_text()).lower()
    assert stored() == [(1.5, "X", {"pa"})]

    await page.get_by_label("Code (required)").fill("X-2")
    await page.get_by_label("Owner (Person external id)").fill("pb")
    await page.get_by_role("button", name="Save").click()
    assert stored() == [(2.25, "X-2", {"pb"})]
    assert await page.locator("#picture-title").text_content() == "Parcel x1 and the 1 object its references hold"
    assert await page.locator("svg a.node text").all_text_contents() == ["pb", "Person"]  # drawn: name, type
    assert await page.get_by_role("link", name="Person pb").count() == 1  # and read out whole
    await page.locator("svg a.node").first.click()  # the neighbour in the picture is a link
    assert "/console/types/Person/objects/" in page.url
    assert "x1" in await page.get_by_role("table").nth(1).inner_text()  # pb's parcels, read back
    await page.close()

    reader = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), live.workspace, "read")
    page = await signed_in(chromium, live, reader["token"])
    await page.goto(f"{live.url}/console/types/Parcel/objects/{parcel['id']}")
    assert await page.get_by_role("button", name="Save").is_disabled()
    assert await page.get_by_label("Weight").is_disabled()
    await page.close()


async def test_a_types_objects_are_filtered_and_sorted_by_their_attributes(chromium, live, graph):
    with rest(live) as api:
        api.post("/types", json={"name": "Crate"}).raise_for_status()
        api.post("/types/Crate/attributes", json={"name": "size", "data_type": "integer"}).raise_for_status()
        api.post("/types/Crate/attributes", json={"name": "colour", "data_type": "string"}).raise_for_status()
        records = [{"external_id": f"k{n}", "attributes": {"size": n % 7, "colour": "red" if n % 2 else "blue"}}
                   for n in range(60)]
        api.post("/objects/Crate/batch", json={"records": records}).raise_for_status()
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/types/Crate/objects")
    await page.get_by_label("Where").select_option("size")
    await page.get_by_label("is", exact=True).select_option(">=")
    await page.get_by_label("Value").fill("5")
    await page.get_by_label("Sort by").select_option("-size")
    await page.get_by_role("button", name="Find").click()
    rows = [r.split("\t") for r in await page.get_by_role("table").locator("tbody tr").all_inner_texts()]
    expected = sorted(((f"k{n}", n % 7) for n in range(60) if n % 7 >= 5), key=lambda r: (-r[1], r[0]))
    assert {(r[0], int(r[1])) for r in rows} == set(expected)
    assert [int(r[1]) for r in rows] == [size for _, size in expected]  # highest first
    assert await page.get_by_label("Value").input_value() == "5"  # the form keeps the search

    await page.get_by_label("Value").fill("big")
    await page.get_by_role("button", name="Find").click()
    said = await page.locator("#filter-error").inner_text()
    assert said == "Size takes a whole number, such as 12; 'big' is not one.", said
    assert "No Crates match" not in await page.get_by_role("table").inner_text()  # the filter failed: nothing was asked
    await page.get_by_label("is", exact=True).select_option("contains")
    await page.get_by_label("Value").fill("5")
    await page.get_by_role("button", name="Find").click()
    said = await page.locator("#filter-error").inner_text()
    assert said.startswith("Size holds a whole number: choose is, is not, less than") and "contains" not in said, said

    await page.get_by_label("Where").select_option("colour")
    await page.get_by_label("is", exact=True).select_option("=")
    await page.get_by_label("Value").fill("red")
    await page.get_by_label("Sort by").select_option("size")
    await page.get_by_role("button", name="Find").click()
    red = [r.split("\t")[0] for r in await page.get_by_role("table").locator("tbody tr").all_inner_texts()]
    assert set(red) == {f"k{n}" for n in range(60) if n % 2}

    await page.goto(f"{live.url}/console/types/Crate/objects?sort=size")  # 60: two pages, in one order
    rows = [r.split("\t") for r in await page.get_by_role("table").locator("tbody tr").all_inner_texts()]
    await page.get_by_role("link", name="Next page").click()
    rows += [r.split("\t") for r in await page.get_by_role("table").locator("tbody tr").all_inner_texts()]
    assert len(rows) == 60 and {r[0] for r in rows} == {f"k{n}" for n in range(60)}
    assert [int(r[1]) for r in rows] == sorted(n % 7 for n in range(60))  # lowest first, across the pages
    await page.close()


async def test_the_schema_and_object_pages_read_at_mobile_width_and_work_from_the_keyboard(chromium, live, graph):
    with rest(live) as api:
        api.post("/types", json={"name": "Bag", "description": "A " + "very " * 30 + "long description"}
                 ).raise_for_status()
        api.post("/types/Bag/attributes", json={
            "name": "owner", "data_type": "reference",
            "reference": {"target": "Person", "cardinality": "one", "inverse": {"name": "bags"}}}).raise_for_status()
        api.post("/objects/Person", json={"external_id": "bag-owner"}).raise_for_status()
        bag = api.post("/objects/Bag", json={"external_id": "b" * 40,
                                             "references": {"owner": {"external_id": "bag-owner"}}}).json()
    page = await signed_in(chromium, live, live.token, width=390)
    for path in ("types", "types/Bag", "types/Bag/objects", f"types/Bag/objects/{bag['id']}",
                 "types/Bag/attributes/owner"):
        await page.goto(f"{live.url}/console/{path}")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390, path

    await page.goto(f"{live.url}/console/types/Bag/objects/{bag['id']}")
    for _ in range(40):  # Tab to the picture's node, then Enter follows it
        await page.keyboard.press("Tab")
        if await page.evaluate("!!document.activeElement.closest('svg a')"):
            break
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/types/Person/objects/**")
    assert "b" * 15 in await page.get_by_role("table").nth(1).inner_text()
    await page.close()


async def test_intercoms_order_in_the_console(chromium, live, graph):
    """An Order belongs to one Person ("Allow referencing to multiple People" off) and a
    Person can have many Orders (on, on the other side)."""
    page = await signed_in(chromium, live, live.token)
    await page.get_by_label("Name").fill("Purchase")
    await page.get_by_label("Label").fill("Order")
    await page.get_by_role("button", name="Create").click()
    await page.get_by_label("Name", exact=True).fill("order_number")
    await page.get_by_label("Required").check()
    await page.get_by_role("button", name="Add attribute").click()
    await page.get_by_label("Name", exact=True).fill("customer")
    await page.get_by_label("Data type").select_option("reference")
    await page.get_by_label("Refers to").select_option("Person")
    await page.get_by_label("Reverse name").fill("purchases")
    await page.get_by_label("Allow each of them to be referenced by multiple").check()
    await page.get_by_role("button", name="Add attribute").click()
    table = await page.get_by_role("table").inner_text()
    assert "Each Order references one Person; each Person can have many Orders (purchases)" in table
    records, _, _ = graph.execute_query(
        "MATCH (:_Type {workspace: $ws, name: 'Purchase'})-[:HAS_ATTRIBUTE]->(a) "
        "RETURN a.name AS n, a.required AS r, a.cardinality AS c, a.inverse_cardinality AS i", ws=live.workspace)
    assert {(r["n"], r["r"], r["c"], r["i"]) for r in records} == {
        ("order_number", True, None, None), ("customer", False, "one", "many")}
    await page.goto(f"{live.url}/console/types/Person")  # the other side reads it back
    # the type's label, not its name, and in the plural
    assert "Each Person references many Orders; each Order can have one Person (customer)" in (
        await page.get_by_role("table").inner_text())
    await page.close()
