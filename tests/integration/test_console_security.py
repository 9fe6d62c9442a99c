"""What the console's first adversarial review found, each shown failing before its fix:
a post's size and a token's rate limited as on the API, parsing only after the scope
check, sign-out ending copied cookies, guessers unable to lock admins out, an edit that
writes only what the admin changed (never someone else's change, nor a list it did not
show whole), and the pages' protective headers. Plain HTTP against the real app."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
from tests.conftest import live_api_server


def console(live, token: str) -> httpx.Client:
    """An HTTP client signed in to the console (as a browser would: the sign-in form's
    CSRF cookie and field, then the session cookie)."""
    client = httpx.Client(base_url=live.url, timeout=60)
    form = client.get("/console/sign-in")
    signed = client.post("/console/sign-in", data={"token": token, "csrf": csrf_of(form.text)})
    assert signed.status_code == 303, signed.text
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def api(live) -> httpx.Client:
    return httpx.Client(base_url=f"{live.url}/v1", headers={"Authorization": f"Bearer {live.token}"}, timeout=60)


@pytest.fixture(scope="module")
def small(neo4j_target) -> Iterator:
    """A server of its own with small limits: a 100 kB body, 3 requests a token then 1 a
    second, 3 failed sign-ins an address."""
    with live_api_server(neo4j_target, max_body_bytes=100_000, rate_limit_per_s=1, rate_limit_burst=3,
                         auth_failures_per_s=0.01, auth_failure_burst=3) as live:
        yield live


def test_a_console_post_is_held_to_the_apis_body_limit_even_before_sign_in(small):
    client = httpx.Client(base_url=small.url, timeout=60)
    form = client.get("/console/sign-in")
    big = client.post("/console/sign-in", data={"token": "x" * 200_000, "csrf": csrf_of(form.text)})
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"


def test_a_guesser_cannot_lock_an_admin_out_and_shares_the_apis_budget(small):
    anonymous = httpx.Client(base_url=small.url, timeout=60)
    page, answers = anonymous.get("/console/sign-in"), []
    for n in range(4):  # each answer is the form again, with a new CSRF secret
        page = anonymous.post("/console/sign-in", data={"token": f"guess-{n}", "csrf": csrf_of(page.text)})
        answers.append(page.status_code)
    assert answers == [401, 401, 401, 429]
    assert httpx.get(f"{small.url}/v1/workspace", headers={"Authorization": "Bearer guess-api"}).status_code == 429
    console(small, small.token)  # the real token still signs in from the same address


def test_a_guesser_cannot_lock_a_database_token_out_of_a_console_that_never_saw_it(neo4j_target, graph):
    """Issue 32: a new server (a restart, another worker) signs in a valid database token
    from an address whose failed sign-ins are spent; another bad token still waits."""
    with live_api_server(neo4j_target, auth_failures_per_s=0.01, auth_failure_burst=3) as fresh:
        made = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), fresh.workspace, "admin")
        anonymous = httpx.Client(base_url=fresh.url, timeout=60)
        page, answers = anonymous.get("/console/sign-in"), []
        for n in range(3):
            page = anonymous.post("/console/sign-in", data={"token": f"rg_guess-{n}", "csrf": csrf_of(page.text)})
            answers.append(page.status_code)
        assert answers == [401, 401, 401]
        signed = anonymous.post("/console/sign-in", data={"token": made["token"], "csrf": csrf_of(page.text)})
        assert signed.status_code == 303, signed.text
        page = anonymous.get("/console/sign-in")
        again = anonymous.post("/console/sign-in", data={"token": "rg_guess-again", "csrf": csrf_of(page.text)})
        assert again.status_code == 429 and "Too many failed sign-ins" in again.text


def test_a_signed_in_token_is_held_to_its_rate_limit(small):
    client = console(small, small.token)
    answers = [client.get("/console/types") for _ in range(6)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and limited[0].headers["Retry-After"] and "Too many requests" in limited[0].text, answers


def test_signing_out_ends_a_copied_cookie_and_a_cross_site_sign_out_touches_nothing(live):
    client = console(live, live.token)
    copied = dict(client.cookies)
    elsewhere = httpx.post(f"{live.url}/console/sign-out", data={"csrf": "x"})  # another site: no cookie
    assert elsewhere.status_code == 303 and "set-cookie" not in elsewhere.headers
    page = client.get("/console/types")
    assert client.post("/console/sign-out", data={"csrf": csrf_of(page.text)}).status_code == 303
    again = httpx.get(f"{live.url}/console/types", cookies=copied)
    assert again.status_code == 303 and again.headers["location"].endswith("/console/sign-in")


def test_the_sign_in_page_shows_only_messages_it_chose(live):
    """Issue 32: the page showed any ?error= text as its alert, so a link could put words
    of anyone's choosing ("call this number", "paste your token at ...") on refgraph's page."""
    client = httpx.Client(base_url=live.url, timeout=60)
    planted = "Your token expired. Call support on +1 555 0100 and read them your token."
    for text in (planted, "<b>Session ended</b>", "invalid_token ", "__class__"):
        page = client.get("/console/sign-in", params={"error": text})
        assert page.status_code == 200
        assert 'role="alert"' not in page.text and 'aria-invalid' not in page.text, text
        assert "+1 555" not in page.text and "Session ended" not in page.text
    known = client.get("/console/sign-in", params={"error": "invalid_token"})
    assert 'role="alert"' in known.text and "That token is not valid" in known.text
    refused = client.post("/console/sign-in", data={"token": "a-guess", "csrf": csrf_of(known.text)})
    assert refused.status_code == 401 and "That token is not valid" in refused.text  # its own words, as before


def test_the_saved_banner_says_only_what_this_server_sealed(live):
    """What a change did travels to the next page in a cookie: one planted by anyone but
    this server (a sibling subdomain, a man in the middle on http) says nothing."""
    client = console(live, live.token)
    planted = "Your session expired: sign in again at https://evil.example/"
    client.cookies.set("refgraph_console_saved", planted, path="/console")
    page = client.get("/console/types")
    assert page.status_code == 200 and "evil.example" not in page.text and 'class="saved"' not in page.text
    client.cookies.clear()
    client = console(live, live.token)
    made = client.post("/console/types", data={"name": "Sealed", "csrf": csrf_of(client.get("/console/types").text)})
    assert made.status_code == 303 and planted not in made.headers["set-cookie"]
    said = client.get(made.headers["location"])
    assert "Object type &#39;Sealed&#39; created." in said.text  # once ...
    assert "created." not in client.get(made.headers["location"]).text  # ... then no more


def test_a_read_token_is_refused_before_its_form_is_read(live, graph):
    made = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), live.workspace, "read")
    with api(live) as rest:
        rest.post("/types", json={"name": "Shelf"}).raise_for_status()
        connector = rest.post("/connectors", json={
            "name": "shelves", "object_type": "Shelf", "request": {"method": "GET", "url": "https://shop.example.com/x"},
            "response": {"records": "data", "external_id": "id"}})
        assert connector.status_code == 201, connector.text
        connector = connector.json()
    reader = console(live, made["token"])
    page = reader.get(f"/console/connectors/{connector['id']}")
    refused = reader.post(f"/console/connectors/{connector['id']}/runs",
                          data={"csrf": csrf_of(page.text), "run_inputs": "not a pair\n" * 50_000})
    assert refused.status_code == 403 and "line 1 " not in refused.text

    admin = console(live, live.token)
    page = admin.get(f"/console/connectors/{connector['id']}")
    listed = admin.post(f"/console/connectors/{connector['id']}/runs",
                        data={"csrf": csrf_of(page.text), "run_inputs": "not a pair\n" * 50_000})
    error = re.search(r'id="run_inputs-error"[^>]*>([^<]*)<', listed.text).group(1)
    assert listed.status_code == 422 and error.endswith("(and more)") and len(error) < 1_000


def test_an_edit_writes_only_what_the_admin_changed(live, graph):
    with api(live) as rest:
        rest.post("/types", json={"name": "Card"}).raise_for_status()
        for name in ("colour", "size", "note"):
            rest.post("/types/Card/attributes", json={"name": name, "data_type": "string"}).raise_for_status()
        rest.post("/types/Card/attributes", json={
            "name": "holder", "data_type": "reference", "required": True,
            "reference": {"target": "Person", "cardinality": "one"}}).raise_for_status()
        rest.post("/objects/Person", json={"external_id": "card-holder"}).raise_for_status()
        card = rest.post("/objects/Card", json={
            "external_id": "c1", "attributes": {"colour": "red", "size": "S", "note": "  line one\nline two  "},
            "references": {"holder": {"external_id": "card-holder"}}}).json()
        client = console(live, live.token)
        opened = client.get(f"/console/types/Card/objects/{card['id']}").text  # the admin opens the page
        rest.patch(f"/objects/Card/{card['id']}", json={"attributes": {"size": "L"}}).raise_for_status()
        form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', opened))
        form.update({"note": "  line one\nline two  ", "colour": "blue"})  # a textarea sends its text back
        saved = client.post(f"/console/types/Card/objects/{card['id']}", data=form)
        assert saved.status_code == 303, saved.text
        form["size"] = "M"  # a field someone else changed since the page was opened: refused
        stale = client.post(f"/console/types/Card/objects/{card['id']}", data=form)
        assert stale.status_code == 422 and "was changed since this page was opened" in stale.text
    records, _, _ = graph.execute_query("MATCH (c:Card {workspace: $ws}) RETURN c.colour AS c, c.size AS s, c.note AS n",
                                        ws=live.workspace)
    assert [(r["c"], r["s"], r["n"]) for r in records] == [("blue", "L", "  line one\nline two  ")]

    page = client.get("/console/types/Card/attributes/holder")  # a label edit keeps a reference required
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    form = {k: v for k, v in form.items() if k in ("csrf", "label", "description", "required", "many")}
    form["label"] = "Card holder"
    assert client.post("/console/types/Card/attributes/holder", data=form).status_code == 303
    records, _, _ = graph.execute_query("MATCH (:_Type {workspace: $ws, name: 'Card'})-[:HAS_ATTRIBUTE]->"
                                        "(a {name: 'holder'}) RETURN a.required AS r, a.label AS l", ws=live.workspace)
    assert [(r["r"], r["l"]) for r in records] == [(True, "Card holder")]


def test_a_reference_longer_than_the_page_shows_is_not_rewritten_from_it(live, graph):
    with api(live) as rest:
        rest.post("/types", json={"name": "Box"}).raise_for_status()
        rest.post("/types/Box/attributes", json={"name": "label", "data_type": "string"}).raise_for_status()
        rest.post("/types/Box/attributes", json={
            "name": "people", "data_type": "reference", "reference": {"target": "Person"}}).raise_for_status()
        rest.post("/objects/Person/batch", json={"records": [{"external_id": f"bp{n}"} for n in range(120)]}
                  ).raise_for_status()
        box = rest.post("/objects/Box", json={"external_id": "box", "references": {
            "people": [{"external_id": f"bp{n}"} for n in range(120)]}}).json()
    client = console(live, live.token)
    page = client.get(f"/console/types/Box/objects/{box['id']}").text
    assert "Too many to edit here" in page and 'name="people"' not in page
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    form["label"] = "full"
    assert client.post(f"/console/types/Box/objects/{box['id']}", data=form).status_code == 303
    form["people"], form["was.people"] = "bp1", ""  # a crafted post of the list is refused
    assert client.post(f"/console/types/Box/objects/{box['id']}", data=form).status_code == 422
    records, _, _ = graph.execute_query("MATCH (b:Box {workspace: $ws})-[:PEOPLE]->(p) RETURN b.label AS l, "
                                        "count(p) AS n", ws=live.workspace)
    assert [(r["l"], r["n"]) for r in records] == [("full", 120)]


def test_the_pages_forbid_framing_and_scripts_and_unknown_things_are_404(live):
    client = console(live, live.token)
    page = client.get("/console/types")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    csrf = csrf_of(page.text)
    assert client.post("/console/prunes/no-such-prune/restore", data={"csrf": csrf}).status_code == 404
    unknown = client.post("/console/types/Nope/objects", data={"csrf": csrf})
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert "No object type named &#39;Nope&#39;." in unknown.text and 'aria-label="Main"' in unknown.text
    for address in ("/console/prunes", "/console/no-such-page"):  # every console address answers a page
        missing = client.get(address)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html"), address
        assert f"There is no console page at {address}." in missing.text and 'aria-label="Main"' in missing.text
    assert client.get("/console/static/console.css").status_code == 200  # the static files come first


def test_an_option_holding_an_equals_sign_survives_an_edit(live, graph):
    with api(live) as rest:
        rest.post("/types", json={"name": "Rule"}).raise_for_status()
        rest.post("/types/Rule/attributes", json={"name": "kind", "data_type": "enum", "options": [
            {"value": "a=b"}, {"value": "plain", "label": "Plain"}]}).raise_for_status()
    client = console(live, live.token)
    page = client.get("/console/types/Rule/attributes/kind").text
    options = re.search(r'<textarea id="options" name="options"[^>]*>([^<]*)</textarea>', page).group(1)
    assert options == "a=b = A=b\nplain = Plain"
    saved = client.post("/console/types/Rule/attributes/kind", data={
        "csrf": csrf_of(page), "label": "Kind", "description": "", "options": options + "\nthird"})
    assert saved.status_code == 303, saved.text
    records, _, _ = graph.execute_query("MATCH (:_Type {workspace: $ws, name: 'Rule'})-[:HAS_ATTRIBUTE]->"
                                        "(a {name: 'kind'}) RETURN a.options AS o", ws=live.workspace)
    assert "a=b" in str(records[0]["o"]) and "third" in str(records[0]["o"])


def test_console_pages_and_the_sign_in_page_are_never_stored_by_a_cache(live):
    """The sign-in page takes a token and every page carries the session's CSRF secret:
    ``Cache-Control: no-store``, so no browser or proxy keeps a copy (the static files may)."""
    anonymous = httpx.Client(base_url=live.url, timeout=60)
    form = anonymous.get("/console/sign-in")
    assert form.status_code == 200 and form.headers.get("cache-control") == "no-store"
    refused = anonymous.post("/console/sign-in", data={"token": "not-a-token", "csrf": csrf_of(form.text)})
    assert refused.status_code == 401 and refused.headers.get("cache-control") == "no-store"
    client = console(live, live.token)
    for path in ("/console/types", "/console/connectors", "/console/reports"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers.get("cache-control") == "no-store", path
    style = next(link for link in re.findall(r'href="(/console/static/[^"]+)"', page.text))
    assert client.get(style).headers.get("cache-control") != "no-store"


def test_a_template_in_a_connectors_host_is_refused_beside_the_url_when_created_or_edited(live, graph):
    """Issue 32: the console saves what the API saves; a run's origin is the one saved."""
    with api(live) as rest:
        rest.post("/types", json={"name": "Parcel"}).raise_for_status()
        fine = rest.post("/connectors", json={
            "name": "parcels", "object_type": "Parcel", "request": {"url": "https://shop.example.com/parcels"},
            "response": {"records": "data", "external_id": "id"}})
        assert fine.status_code == 201, fine.text
    client = console(live, live.token)
    for path in ("/console/connectors", f"/console/connectors/{fine.json()['id']}"):
        page = client.get("/console/connectors/new" if path.endswith("connectors") else path)
        answer = client.post(path, data={
            "csrf": csrf_of(page.text), "action": "save", "name": "steered", "object_type": "Parcel",
            "url": "https://{{inputs.shop}}/parcels", "inputs": '[{"name": "shop"}]', "method": "GET",
            "records": "data", "external_id": "id", "timeout_s": "10"})
        assert answer.status_code == 422, (path, answer.status_code, answer.text[:300])
        error = re.search(r'id="url-error"[^>]*>([^<]*)<', answer.text).group(1)
        assert "{{inputs.shop}}" in error and "path" in error, error
    records, _, _ = graph.execute_query("MATCH (c:_Connector {workspace: $ws, object_type: 'Parcel'}) "
                                        "RETURN c.name AS n, c.spec AS s", ws=live.workspace)
    assert [r["n"] for r in records] == ["parcels"] and "shop.example.com" in records[0]["s"]
