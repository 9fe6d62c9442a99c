"""A newcomer's ordinary mistakes, each answered with what happened and what to do."""

from tests.conftest import api_for
from tests.integration.helpers import ORDER, create_types, person


async def _order(api):
    await create_types(api, ORDER)
    await person(api, "cust-42")
    created = await api.client.post("/v1/objects/Order", json={
        "external_id": "ord-1001", "attributes": {"order_number": "N1"},
        "references": {"customer": {"external_id": "cust-42"}}})
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_misspelt_query_parameter_is_named_with_a_suggestion(api):
    await _order(api)
    for params, unknown, suggestion in (({"externalid": "ord-1001"}, "externalid", "external_id"),
                                        ({"limt": "2"}, "limt", "limit")):
        answer = await api.client.get("/v1/objects/Order", params=params)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "unknown_parameter" and error["details"]["unknown"] == [unknown]
        assert f"did you mean {suggestion!r}" in error["message"]
        assert {"limit", "cursor", "external_id", "references.<...>"} <= set(error["details"]["allowed"])
    person_id = (await api.client.get("/v1/objects/Person", params={"external_id": "cust-42"})).json()["data"][0]["id"]
    filtered = await api.client.get("/v1/objects/Order", params={"references.customer": person_id})
    assert filtered.status_code == 200 and [o["external_id"] for o in filtered.json()["data"]] == ["ord-1001"]
    assert (await api.client.get("/v1/types", params={"lmit": "1"})).status_code == 422


async def test_an_unknown_expand_names_the_references_there_are(api):
    order = await _order(api)
    answer = await api.client.get(f"/v1/objects/Person/{order['references']['customer']['id']}",
                                  params={"expand": "ordrs"})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["unknown"] == ["ordrs"]
    assert "orders" in answer.json()["error"]["details"]["allowed"]


async def test_body_mistakes_say_what_to_send(api):
    await create_types(api, ORDER)
    broken = await api.client.post("/v1/objects/Person", content=b'{"external_id": "x",',
                                   headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["error"]["message"]
    untyped = await api.client.post("/v1/objects/Person", content=b'{"external_id": "x"}',
                                    headers={"Content-Type": ""})
    assert untyped.status_code == 422 and "Content-Type: application/json" in untyped.json()["error"]["message"]
    flat = await api.client.post("/v1/objects/Person", json={"external_id": "x", "email": "a@example.com"})
    assert flat.status_code == 422
    assert 'go under "attributes"' in flat.json()["error"]["message"] and "'email'" in flat.json()["error"]["message"]


async def test_routing_mistakes_point_to_the_right_route(api):
    await _order(api)
    wrong_method = await api.client.put("/v1/types")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["details"]["allowed"] == ["GET", "POST"] or \
        set(wrong_method.json()["error"]["details"]["allowed"]) == {"GET", "POST"}
    assert "PUT is not allowed" in wrong_method.json()["error"]["message"]
    slash = await api.client.get("/v1/types/")
    assert slash.status_code == 404 and "drop the trailing slash: GET /v1/types" in slash.json()["error"]["message"]
    by_external = await api.client.get("/v1/objects/Person/cust-42")
    assert by_external.status_code == 404
    assert "GET /v1/objects/Person?external_id=cust-42" in by_external.json()["error"]["message"]


async def test_the_browser_style_is_shared_with_neo4j_browser_only(neo4j_target):
    browser = "http://localhost:7474"
    async with api_for(neo4j_target, browser_origins=browser) as api:
        preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-neo4j-trace"}
        allowed = await api.client.options("/browser.grass", headers={"Origin": browser, **preflight})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == browser
        assert allowed.headers["access-control-allow-headers"] == "x-neo4j-trace"
        style = await api.client.get("/browser.grass", headers={"Origin": browser})
        assert style.headers["access-control-allow-origin"] == browser and "node.Order" in style.text
        for origin in ("http://evil.example", None):
            headers = {"Origin": origin} if origin else {}
            other = await api.client.options("/browser.grass", headers={**headers, **preflight})
            assert "access-control-allow-origin" not in other.headers
            assert "access-control-allow-origin" not in (await api.client.get("/browser.grass", headers=headers)).headers


async def test_record_problems_have_one_code_single_write_or_batch(api):
    await create_types(api, ORDER)
    single = await api.client.post("/v1/objects/Order", json={"external_id": "o1", "attributes": {"total": 1.0}})
    batch = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": "o2", "attributes": {"order_number": "N2"}},
        {"external_id": "o3", "attributes": {"order_number": "N3", "colour": "red"}}]})
    for answer, problem in ((single, (0, "required", "order_number")), (batch, (1, "unknown_attribute", "colour"))):
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_records", answer.text
        assert [(e["index"], e["code"], e["field"]) for e in answer.json()["error"]["details"]["errors"]] == [problem]
    assert (await api.client.get("/v1/objects/Order")).json()["data"] == []  # nothing was written
