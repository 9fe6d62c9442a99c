"""Connectors cannot turn the server against its own network (SSRF), leak credentials to
another origin, or escape the URL path an admin wrote. Real loopback servers record
what reaches them; the graph is read back to show nothing was written."""

import json

import pytest

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
from tests.conftest import REMOTE_PORT, api_for
from tests.integration.helpers import ORDER, create_types, external_ids
from tests.integration.remote import RemoteApi

SECRET = "s3cr3t-shop-token-0xBEEF"
# Every spelling of a loopback or unspecified address; each reaches a server on 127.0.0.1.
SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "[::ffff:7f00:1]",
             "[::ffff:127.0.0.1]", "0.0.0.0", "localhost", "LOCALHOST.", "[::1]", "[::]"]


@pytest.fixture
def elsewhere():
    """A second loopback server: another origin, recording what reaches it."""
    server = RemoteApi()
    yield server
    server.close()


async def _workspace(api):
    await create_types(api, ORDER)
    person = await api.client.post("/v1/objects/Person", json={"external_id": "cust-1"})
    api.person_id = person.json()["id"]
    assert (await api.client.put("/v1/secrets/shop_token", json={"value": SECRET})).status_code == 201


def _spec(url, name="shop", auth=None, **request):
    return {"name": name, "object_type": "Order",
            "request": {"url": url, "timeout_s": 2, "auth": auth or {"type": "bearer", "secret": "shop_token"},
                        **request},
            "response": {"records": "data.orders", "external_id": "id",
                         "attributes": {"order_number": "number"}}}


async def _create(api, spec) -> str:
    response = await api.client.post("/v1/connectors", json=spec)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _run(api, connector_id, **body):
    response = await api.client.post(f"/v1/connectors/{connector_id}/runs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_no_spelling_of_an_internal_address_is_called_by_default(neo4j_target, remote, graph):
    """With no allowed hosts set (the default), every loopback spelling is refused
    before a byte is sent: the server on loopback records nothing, nothing is written."""
    async with api_for(neo4j_target, connector_allowed_hosts="") as api:
        await _workspace(api)
        connector_id = await _create(api, _spec(f"{remote.url}/orders"))
        seen = {}
        for host in SPELLINGS:
            patched = await api.client.patch(f"/v1/connectors/{connector_id}", json={
                "request": {"url": f"http://{host}:{REMOTE_PORT}/orders", "timeout_s": 2,
                            "auth": {"type": "bearer", "secret": "shop_token"}}})
            assert patched.status_code == 200, patched.text
            tested = (await api.client.post(f"/v1/connectors/{connector_id}/test", json={})).json()
            ran = await _run(api, connector_id)
            seen[host] = (tested["error"] or {}).get("class"), (ran["error"] or {}).get("class")
        assert seen == {host: ("host_not_allowed", "host_not_allowed") for host in SPELLINGS}
        assert remote.requests == []
        assert external_ids(graph, api.workspace, "Order") == []
        message = ran["error"]["message"]
        assert "REFGRAPH_CONNECTOR_ALLOWED_HOSTS" in message and "Errno" not in message


async def test_an_allowed_host_with_a_port_allows_only_that_port(neo4j_target, remote, elsewhere):
    async with api_for(neo4j_target, connector_allowed_hosts=f"127.0.0.1:{REMOTE_PORT}") as api:
        await _workspace(api)
        allowed = await _run(api, await _create(api, _spec(f"{remote.url}/orders")))
        assert allowed["status"] == "succeeded", allowed
        other = await _run(api, await _create(api, _spec(f"{elsewhere.url}/orders", name="other")))
        assert other["error"]["class"] == "host_not_allowed" and elsewhere.requests == []
        named = await _run(api, await _create(api, _spec(f"http://localhost:{REMOTE_PORT}/orders", name="named")))
        assert named["error"]["class"] == "host_not_allowed", "a host is allowed by the name it is listed under"


@pytest.mark.parametrize("auth", [{"type": "bearer", "secret": "shop_token"},
                                  {"type": "header", "header": "X-Shop-Key", "secret": "shop_token"},
                                  {"type": "basic", "username": "shop", "secret": "shop_token"}])
async def test_a_redirect_to_another_origin_carries_no_credentials(neo4j_target, remote, elsewhere, auth):
    hosts = f"127.0.0.1:{REMOTE_PORT},127.0.0.1:{elsewhere.url.rsplit(':', 1)[1]}"
    async with api_for(neo4j_target, connector_allowed_hosts=hosts) as api:
        await _workspace(api)
        spec = _spec(f"{remote.url}/redirect", auth=auth, query={"to": f"{elsewhere.url}/orders"})
        result = await _run(api, await _create(api, spec))
        assert result["status"] == "succeeded", result
        assert [r["path"] for r in remote.requests] == ["/redirect"]
        assert SECRET in str(remote.requests[0]["headers"]) or "Basic" in str(remote.requests[0]["headers"])
        assert [r["path"] for r in elsewhere.requests] == ["/orders"]
        received = {k.lower() for k in elsewhere.requests[0]["headers"]}
        assert not received & {"authorization", "x-shop-key"}, elsewhere.requests[0]["headers"]


async def test_a_redirect_to_an_internal_address_is_refused(neo4j_target, remote, elsewhere, graph):
    async with api_for(neo4j_target) as api:  # only the remote's port is allowed
        await _workspace(api)
        for target in (f"{elsewhere.url}/orders", f"http://localhost:{REMOTE_PORT}/orders"):
            spec = _spec(f"{remote.url}/redirect", name=target, query={"to": target})
            result = await _run(api, await _create(api, spec))
            assert result["error"]["class"] == "host_not_allowed", result
        assert elsewhere.requests == [] and [r["path"] for r in remote.requests] == ["/redirect"] * 2
        assert external_ids(graph, api.workspace, "Order") == []


async def test_next_url_is_followed_only_on_the_connectors_origin(neo4j_target, remote, elsewhere, graph):
    hosts = f"127.0.0.1:{REMOTE_PORT},127.0.0.1:{elsewhere.url.rsplit(':', 1)[1]}"
    async with api_for(neo4j_target, connector_allowed_hosts=hosts) as api:
        await _workspace(api)
        spec = _spec(f"{remote.url}/next-elsewhere", query={"to": f"{elsewhere.url}/orders"})
        spec["response"]["pagination"] = {"next_url": "links.next"}
        result = await _run(api, await _create(api, spec))
        assert result["error"]["class"] == "invalid_response", result
        assert "origin" in result["error"]["message"] or "host and port" in result["error"]["message"]
        assert elsewhere.requests == []
        assert external_ids(graph, api.workspace, "Order") == []


@pytest.mark.parametrize("value", ["..", ".", "a/b", "%2e%2e", "..%2F..", "%2F"])
async def test_a_template_value_cannot_change_the_url_path(neo4j_target, remote, value):
    async with api_for(neo4j_target) as api:
        await _workspace(api)
        spec = _spec(f"{remote.url}/shop/{{{{inputs.section}}}}/orders",
                     query={"q": "{{inputs.section}}"})
        spec["inputs"] = [{"name": "section", "required": True}]
        result = await _run(api, await _create(api, spec), inputs={"section": value})
        assert result["error"]["class"] == "template_error", result
        assert remote.requests == []
        fine = await _run(api, await _create(api, {**spec, "name": "fine"}), inputs={"section": "a..b"})
        assert fine["error"]["class"] == "http_error" and remote.requests[-1]["path"] == "/shop/a..b/orders"
        assert remote.requests[-1]["query"] == {"q": ["a..b"]}


# A template anywhere before the URL's path: its scheme, its host, its port, its user.
ORIGIN_TEMPLATES = ["http://{{inputs.shop}}:%d/orders", "http://127.0.0.1:{{inputs.port}}/orders",
                    "{{inputs.base}}/orders", "http{{inputs.s}}://127.0.0.1:%d/orders",
                    "http://{{inputs.who}}@127.0.0.1:%d/orders", "http://127.0.0.1{{inputs.tail}}/orders",
                    "http://{{person.email}}/orders"]


async def test_a_template_in_the_urls_scheme_host_or_port_is_refused_when_saved(neo4j_target, remote):
    """Issue 32: templates go in the path and the query only; the origin is the one saved."""
    async with api_for(neo4j_target) as api:
        await _workspace(api)
        fine_id = await _create(api, _spec(f"{remote.url}/orders", name="fine"))
        inputs = [{"name": n} for n in ("shop", "port", "base", "s", "who", "tail")]
        for url in (u.replace("%d", str(REMOTE_PORT)) for u in ORIGIN_TEMPLATES):
            created = await api.client.post("/v1/connectors", json={**_spec(url, name=url), "inputs": inputs})
            patched = await api.client.patch(f"/v1/connectors/{fine_id}", json={
                "inputs": inputs, "request": {"url": url, "auth": {"type": "bearer", "secret": "shop_token"}}})
            for answer in (created, patched):
                assert answer.status_code == 422, (url, answer.text)
                error = answer.json()["error"]
                assert error["code"] == "template_error", (url, error)
                assert "request.url" in error["message"] and "path" in error["message"], error
        listed = (await api.client.get("/v1/connectors")).json()["data"]
        assert [(c["name"], c["request"]["url"]) for c in listed] == [("fine", f"{remote.url}/orders")]


async def test_a_connector_kept_with_a_template_in_its_origin_fails_and_sends_nothing(
        neo4j_target, remote, elsewhere, graph):
    """One saved before the rule (written into the graph as it was kept then): a write
    token's run and test fail with template_error, and no server hears a byte."""
    hosts = f"127.0.0.1:{REMOTE_PORT},127.0.0.1:{elsewhere.url.rsplit(':', 1)[1]}"
    async with api_for(neo4j_target, connector_allowed_hosts=hosts) as api:
        await _workspace(api)
        connector_id = await _create(api, {**_spec(f"{remote.url}/orders"), "inputs": [{"name": "port"}]})
        records, _, _ = graph.execute_query("MATCH (c:_Connector {id: $id}) RETURN c.spec AS spec", id=connector_id)
        kept = json.loads(records[0]["spec"])
        kept["request"]["url"] = "http://127.0.0.1:{{inputs.port}}/orders"
        graph.execute_query("MATCH (c:_Connector {id: $id}) SET c.spec = $spec", id=connector_id,
                            spec=json.dumps(kept))
        writer = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), api.workspace, "write")
        headers = {"Authorization": f"Bearer {writer['token']}"}
        body = {"inputs": {"port": elsewhere.url.rsplit(":", 1)[1]}}
        ran = await api.client.post(f"/v1/connectors/{connector_id}/runs", json=body, headers=headers)
        tested = await api.client.post(f"/v1/connectors/{connector_id}/test", json=body, headers=headers)
        assert ran.status_code == 201 and tested.status_code == 200, (ran.text, tested.text)
        for error in (ran.json()["error"], tested.json()["error"]):
            assert error and error["class"] == "template_error", (ran.text, tested.text)
            assert "request.url" in error["message"] and "edit" in error["message"], error
        assert elsewhere.requests == [] and remote.requests == []
        assert external_ids(graph, api.workspace, "Order") == []


async def test_a_run_stops_at_the_record_cap_and_writes_nothing(neo4j_target, remote, graph):
    async with api_for(neo4j_target, connector_max_records=2) as api:
        await _workspace(api)
        result = await _run(api, await _create(api, _spec(f"{remote.url}/orders")))
        assert result["error"]["class"] == "too_many_records", result
        assert external_ids(graph, api.workspace, "Order") == []


async def test_a_run_has_one_deadline_for_all_its_pages(neo4j_target, remote):
    async with api_for(neo4j_target, connector_run_deadline_s=1.5) as api:
        await _workspace(api)
        spec = _spec(f"{remote.url}/linked-slow")
        spec["response"]["pagination"] = {"next_url": "links.next"}
        result = await _run(api, await _create(api, spec))
        assert result["error"]["class"] == "timeout", result
        assert "REFGRAPH_CONNECTOR_RUN_DEADLINE_S" in result["error"]["message"]


async def test_decompressed_bytes_count_against_the_size_cap(neo4j_target, remote):
    async with api_for(neo4j_target, connector_max_response_bytes=100_000) as api:
        await _workspace(api)
        result = await _run(api, await _create(api, _spec(f"{remote.url}/gzip-bomb")))
        assert result["error"]["class"] == "response_too_large", result
