"""The lean traversal route (service/api/lean_reads.py) answers exactly as the
documented route: every request below, plain or not, gets the same status and body with
the lean route in front and without it; and it takes only the plainly valid ones."""

from __future__ import annotations

import json

from service.api.lean_reads import _ONCE, LeanTraversal, plain_traversal
from service.api.pagination import MAX_LIMIT
from service.api.routes.objects import MAX_PATH
from service.domain.traversal import MAX_FILTERS
from tests.integration.helpers import ORDER, create_types, person

PLAIN = ["path=orders", "path=orders&limit=2", "path=orders&where=total>=2", "path=orders&include=paths",
         "path=orders&where=total>=1&where=total<3&limit=1000", "path=orders&limit=007", "path=",
         "path=nope", "path=orders&where=nope>1", "path=orders&cursor=!!!", "path=orders&where=total>=x"]
NOT_PLAIN = ["", "path=orders&limit=0", "path=orders&limit=abc", "path=orders&limit=1001", "path=orders&limit=-1",
             "path=orders&limit=2&limit=3", "path=orders&path=orders", "path=orders&bogus=1",
             "path=" + "o" * 1001, "path=orders" + "&where=total>=1" * 11, "path=orders&include=all",
             "path=orders&limit=%EF%BC%91", "path=orders&limit=" + "0" * 4400 + "1"]


def test_only_plainly_valid_parameters_take_the_lean_route():
    assert [q for q in PLAIN if plain_traversal(q.encode()) is None] == []
    assert [q for q in NOT_PLAIN if plain_traversal(q.encode()) is not None] == []
    assert plain_traversal(b"path=orders.items&where=a%3D1&where=b%3E2&cursor=abc") == {
        "path": "orders.items", "where": ["a=1", "b>2"], "include": None, "limit": 50, "cursor": "abc"}


async def answers(api, requests: list[str]) -> list[tuple[int, object, str]]:
    return [((r := await api.client.request(method, path)).status_code, r.content, r.headers.get("content-type"))
            for method, path in requests]


async def test_the_lean_route_answers_as_the_documented_one(api):
    await create_types(api, ORDER)
    ada = await person(api, "ada")
    batch = {"records": [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}", "total": float(i)},
                          "references": {"customer": {"external_id": "ada"}}} for i in range(5)]}
    (await api.client.post("/v1/objects/Order/batch", json=batch)).raise_for_status()
    base = f"/v1/objects/Person/{ada['id']}/traverse"
    page = (await api.client.get(f"{base}?path=orders&limit=2")).json()
    requests = [("GET", f"{base}?{q}") for q in PLAIN + NOT_PLAIN] + [
        ("GET", f"{base}?path=orders&limit=2&cursor={page['next_cursor']}"),
        ("GET", "/v1/objects/Person/no-such-id/traverse?path=orders"),
        ("GET", "/v1/objects/Nope/x/traverse?path=orders"), ("HEAD", f"{base}?path=orders")]
    lean = await answers(api, requests)
    routes = api.app.router.routes
    assert isinstance(routes[0], LeanTraversal)
    routes.remove(routes[0])  # the documented route alone
    documented = await answers(api, requests)
    assert [(q, a) for q, a, d in zip(requests, lean, documented) if a != d] == []
    statuses = {q: a[0] for (method, q), a in zip(requests, lean) if method == "GET"}
    assert statuses[f"{base}?path=orders"] == 200 and len(json.loads(lean[0][1])["data"]) == 5
    assert {statuses[f"{base}?{q}"] for q in ("path=orders&limit=0", "path=orders&bogus=1", "",
                                              "path=orders&include=all")} == {422}


async def test_the_lean_route_takes_the_documented_routes_parameters(api):
    """Its rules are written out again by hand: they must not drift from the route's."""
    operation = api.app.openapi()["paths"]["/v1/objects/{type}/{id}/traverse"]["get"]
    query = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    assert set(query) == _ONCE | {"where"}
    assert (query["path"]["maxLength"], query["where"]["maxItems"]) == (MAX_PATH, MAX_FILTERS)
    assert {s.get("maximum") for s in [query["limit"], *query["limit"].get("anyOf", [])]} - {None} == {MAX_LIMIT}
    assert [s.get("enum", [s.get("const")]) for s in query["include"]["anyOf"] if s.get("type") != "null"] == [["paths"]]
