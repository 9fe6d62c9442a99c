"""Reports in the console, in a real Chromium against the real app and a real Neo4j: the
list, a report's parameter form, the table against the API's result, the CSV download
against the API's CSV, a bad parameter beside its field, and a session required."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
from tests.integration.conftest import signed_in
from tests.integration.helpers import PASSPORT

PASSPORTS = [("pass-1", "P-1", "2026-03-01", "cust-1"), ("pass-2", "<b>P-2</b>", "2027-06-01", "cust-2"),
             ("pass-3", "P-3, \"quoted\"", "2025-01-01", "cust-3")]


def cell(value) -> str:
    """How the table should show an API value: text as is, null empty, the rest as JSON."""
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def rest(live) -> httpx.Client:
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {live.token}"}, timeout=30)


@pytest.fixture(scope="module")
def passports(live):
    with rest(live) as api:
        assert api.post("/v1/types", json=PASSPORT).status_code == 201
        for external_id, name in (("cust-1", "Ada <Lovelace>"), ("cust-2", "Grace Hopper"),
                                   ("cust-3", "Katherine Johnson")):
            assert api.post("/v1/objects/Person", json={"external_id": external_id,
                                                        "attributes": {"name": name}}).status_code in (200, 201)
        for external_id, number, expires_on, holder in PASSPORTS:
            made = api.post("/v1/objects/Passport", json={
                "external_id": external_id, "attributes": {"number": number, "expires_on": expires_on},
                "references": {"holder": {"external_id": holder}}})
            assert made.status_code in (200, 201), made.text
    return PASSPORTS


def read_token(graph, workspace: str) -> str:
    return tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), workspace, "read")["token"]


async def table_of(page) -> tuple[list[str], list[list[str]]]:
    table = page.get_by_role("table")
    header = await table.locator("thead th").all_inner_texts()
    rows = [await row.locator("td").all_inner_texts() for row in await table.locator("tbody tr").all()]
    return header, rows


async def test_the_list_shows_every_report_with_its_parameters(chromium, live, passports):
    with rest(live) as api:
        listed = api.get("/v1/reports").json()["data"]
    page = await signed_in(chromium, live, live.token)
    await page.get_by_role("link", name="Reports").click()
    assert page.url.endswith("/console/reports")
    _, rows = await table_of(page)
    assert [r[0].splitlines()[0] for r in rows] == [r["title"] for r in listed]
    expiring = next(r for r in rows if "passports_expiring" in r[0])
    assert expiring[2] == "before (date, required), limit (integer, default 1000)"
    await page.close()


async def test_a_read_token_runs_a_report_the_table_and_csv_match_the_api(chromium, live, graph, passports,
                                                                          tmp_path: Path):
    with rest(live) as api:
        expected = api.get("/v1/reports/passports_expiring", params={"before": "2027-01-01", "limit": "5"}).json()
        expected_csv = api.get("/v1/reports/passports_expiring",
                               params={"before": "2027-01-01", "limit": "5", "format": "csv"}).text
    assert {r["external_id"] for r in expected["rows"]} == {"pass-1", "pass-3"}

    page = await signed_in(chromium, live, read_token(graph, live.workspace))  # running is a read
    await page.goto(f"{live.url}/console/reports")
    await page.get_by_role("link", name="Passports expiring before a date").click()
    await page.get_by_label("before").fill("2027-01-01")
    await page.get_by_label("limit").fill("5")
    await page.get_by_label("limit").press("Enter")  # the keyboard submits the form
    await page.wait_for_selector("#result")
    header, rows = await table_of(page)
    assert header == expected["columns"]
    assert rows == [[cell(row[c]) for c in expected["columns"]] for row in expected["rows"]]
    assert any("Ada <Lovelace>" in r for r in rows)  # markup is shown as text
    assert await page.locator("main table b").count() == 0
    assert await page.get_by_label("before").input_value() == "2027-01-01"

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download CSV").click()
    download = await waiting.value
    assert download.suggested_filename == "passports_expiring.csv"
    saved = tmp_path / "report.csv"
    await download.save_as(saved)
    assert saved.read_bytes().decode() == expected_csv and "pass-1" in expected_csv
    await page.close()


async def test_a_bad_parameter_is_said_beside_its_field_with_nothing_lost(chromium, live, passports):
    page = await signed_in(chromium, live, live.token)
    await page.goto(f"{live.url}/console/reports/passports_expiring")
    await page.get_by_role("button", name="Run report").click()
    assert "before is required" in await page.locator("#before-error").inner_text()
    await page.get_by_label("before").fill("soon")
    await page.get_by_label("limit").fill("many")
    await page.get_by_role("button", name="Run report").click()
    assert "before must be date" in await page.locator("#before-error").inner_text()
    assert "limit must be integer" in await page.locator("#limit-error").inner_text()
    assert await page.get_by_label("before").input_value() == "soon"
    assert await page.get_by_label("limit").input_value() == "many"
    assert await page.get_by_role("table").count() == 0
    assert await page.get_by_label("before").get_attribute("aria-invalid") == "true"
    # The CSV with the same bad parameter: the form again with the error, no file.
    answer = await page.goto(f"{live.url}/console/reports/passports_expiring/csv?p.before=soon")
    assert answer.status == 422
    assert "before must be date" in await page.locator("#before-error").inner_text()
    await page.close()


async def test_parameters_travel_as_parameters(chromium, live, graph, passports):
    page = await signed_in(chromium, live, live.token)
    with rest(live) as api:
        expected = api.get("/v1/reports/top_referenced", params={"type": "Passport"}).json()
    await page.goto(f"{live.url}/console/reports/top_referenced")
    await page.get_by_label("type").fill("Passport")
    await page.get_by_role("button", name="Run report").click()
    _, rows = await table_of(page)
    assert rows == [[cell(row[c]) for c in expected["columns"]] for row in expected["rows"]] and rows
    count = "MATCH (n {workspace: $ws}) RETURN count(n) AS n"
    before = graph.execute_query(count, ws=live.workspace)[0][0]["n"]
    await page.get_by_label("type").fill("Passport) DETACH DELETE n //")
    await page.get_by_role("button", name="Run report").click()
    assert graph.execute_query(count, ws=live.workspace)[0][0]["n"] == before
    assert "Passport) DETACH DELETE n //" == await page.get_by_label("type").input_value()
    await page.close()


async def test_pages_and_csv_need_a_session_and_an_unknown_report_is_not_found(chromium, live, passports):
    async with httpx.AsyncClient(base_url=live.url, follow_redirects=False) as client:
        for path in ("/console/reports", "/console/reports/passports_expiring?p.before=2027-01-01&run=1",
                     "/console/reports/passports_expiring/csv?p.before=2027-01-01"):
            answer = await client.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/console/sign-in", path
            # an API token is not a console session
            answer = await client.get(path, headers={"Authorization": f"Bearer {live.token}"})
            assert answer.status_code == 303, path
    page = await signed_in(chromium, live, live.token)
    for path in (f"/console/reports/nope_{uuid.uuid4().hex[:4]}", "/console/reports/nope/csv"):
        answer = await page.goto(f"{live.url}{path}")
        assert answer.status == 404 and "No report named" in await page.inner_text("body")
    await page.close()


async def test_mobile_width_keeps_the_table_in_its_own_scroll(chromium, live, passports):
    page = await signed_in(chromium, live, live.token, width=360)
    await page.goto(f"{live.url}/console/reports/passports_expiring?p.before=2030-01-01&run=1")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    header, _ = await table_of(page)
    assert "number" in header  # the second column is not hidden at this width
    assert await page.locator("thead th").nth(1).is_visible()
    await page.close()
