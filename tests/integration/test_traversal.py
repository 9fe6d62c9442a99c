"""Traversal over a known graph: exact sets at 1, 2 and 3 hops, inverses, filters,
pagination and paths; and the references.<attribute>= list filter."""

import pytest

from tests.integration.helpers import ORDER, create_types

PRODUCT = {"name": "Product", "attributes": [{"name": "sku", "data_type": "string"}]}
ITEM = {"name": "Item", "attributes": [
    {"name": "price", "data_type": "float"},
    {"name": "tags", "data_type": "string_list"},
    {"name": "order", "data_type": "reference",
     "reference": {"target": "Order", "cardinality": "one",
                   "inverse": {"name": "items", "cardinality": "many"}}},
    {"name": "product", "data_type": "reference",
     "reference": {"target": "Product", "cardinality": "one",
                   "inverse": {"name": "line_items", "cardinality": "many"}}},
]}


async def batch(api, type_name, records):
    response = await api.client.post(f"/v1/objects/{type_name}/batch", json={"records": records})
    assert response.status_code == 200, response.text
    return dict(zip([r["external_id"] for r in records], response.json()["ids"]))


@pytest.fixture
async def shop(api):
    """p1 ordered o1 (items i1: A 5.0, i2: B 20.0 gift) and o2 (i3: A 15.0); p2 ordered
    o3 (i4: C 30.0) and big-0..29, two items each over products P0..P9; p3 ordered nothing."""
    await create_types(api, ORDER, PRODUCT, ITEM)
    ids = await batch(api, "Person", [{"external_id": p} for p in ("p1", "p2", "p3")])
    products = ["A", "B", "C"] + [f"P{i}" for i in range(10)]
    ids |= await batch(api, "Product", [{"external_id": p, "attributes": {"sku": p}} for p in products])
    orders = [("o1", "p1"), ("o2", "p1"), ("o3", "p2")] + [(f"big-{i}", "p2") for i in range(30)]
    ids |= await batch(api, "Order", [
        {"external_id": o, "attributes": {"order_number": o.upper()},
         "references": {"customer": {"external_id": c}}} for o, c in orders])
    items = [("i1", "o1", "A", 5.0, []), ("i2", "o1", "B", 20.0, ["gift"]), ("i3", "o2", "A", 15.0, []),
             ("i4", "o3", "C", 30.0, ["gift"])]
    items += [(f"bi-{i}-{k}", f"big-{i}", f"P{(i + k) % 10}", 1.0, []) for i in range(30) for k in (0, 1)]
    ids |= await batch(api, "Item", [
        {"external_id": i, "attributes": {"price": price, "tags": tags},
         "references": {"order": {"external_id": o}, "product": {"external_id": p}}}
        for i, o, p, price, tags in items])
    return ids


async def traverse(api, type_name, object_id, path, **params):
    response = await api.client.get(f"/v1/objects/{type_name}/{object_id}/traverse",
                                    params={"path": path, **params})
    assert response.status_code == 200, response.text
    return response.json()


def external_ids(page):
    return {o["external_id"] for o in page["data"]}


async def test_one_two_and_three_hops_return_exactly_the_distinct_objects_at_the_end(api, shop):
    p1 = shop["p1"]
    assert external_ids(await traverse(api, "Person", p1, "orders")) == {"o1", "o2"}
    assert external_ids(await traverse(api, "Person", p1, "orders.items")) == {"i1", "i2", "i3"}
    three = await traverse(api, "Person", p1, "orders.items.product")
    assert [o["external_id"] for o in three["data"]] in (["A", "B"], ["B", "A"])  # A once
    assert three["data"][0]["type"] == "Product" and three["next_cursor"] is None
    assert external_ids(await traverse(api, "Person", shop["p3"], "orders.items")) == set()


async def test_inverse_names_walk_relationships_backwards(api, shop):
    assert external_ids(await traverse(api, "Product", shop["A"], "line_items.order.customer")) == {"p1"}
    assert external_ids(await traverse(api, "Item", shop["i4"], "order.customer.orders")) == (
        {"o3"} | {f"big-{i}" for i in range(30)})
    # four hops, back to the products bought together with A
    assert external_ids(await traverse(api, "Product", shop["A"], "line_items.order.items.product")) == {"A", "B"}


async def test_filters_compare_typed_values_on_the_end_type(api, shop):
    p1, p2 = shop["p1"], shop["p2"]
    assert external_ids(await traverse(api, "Person", p1, "orders.items", where="price>=15")) == {"i2", "i3"}
    assert external_ids(await traverse(api, "Person", p1, "orders.items",
                                       where=["price>4.5", "price<20"])) == {"i1", "i3"}
    assert external_ids(await traverse(api, "Person", p2, "orders.items", where="tags=gift")) == {"i4"}
    assert external_ids(await traverse(api, "Person", p1, "orders", where="order_number=O2")) == {"o2"}
    bad = await api.client.get(f"/v1/objects/Person/{p1}/traverse",
                               params={"path": "orders.items", "where": "price>=cheap"})
    assert bad.status_code == 422 and "price" in bad.json()["error"]["message"]
    unknown = await api.client.get(f"/v1/objects/Person/{p1}/traverse",
                                   params={"path": "orders.items", "where": "colour=red"})
    assert unknown.status_code == 422 and "colour" in unknown.json()["error"]["message"]


async def test_filters_take_every_operator_a_list_takes(api, shop):
    p1, p2 = shop["p1"], shop["p2"]
    assert external_ids(await traverse(api, "Person", p1, "orders.items", where="price in 5|20|99")) == {"i1", "i2"}
    assert external_ids(await traverse(api, "Person", p1, "orders", where="order_number starts_with O")) == {
        "o1", "o2"}
    assert external_ids(await traverse(api, "Person", p1, "orders", where="order_number contains 2")) == {"o2"}
    assert external_ids(await traverse(api, "Person", p2, "orders", where="total is_null")) == (
        {"o3"} | {f"big-{i}" for i in range(30)})
    assert external_ids(await traverse(api, "Person", p2, "orders", where="total is_null false")) == set()
    # one hop further, as a list's where= does: items whose product's sku is B
    assert external_ids(await traverse(api, "Person", p1, "orders.items", where="product.sku=B")) == {"i2"}


async def test_pages_have_no_duplicates_and_no_gaps(api, shop):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await traverse(api, "Person", shop["p2"], "orders.items.product", **params)
        seen += [o["external_id"] for o in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted({"C"} | {f"P{i}" for i in range(10)})  # 11 distinct, each once
    assert pages == 4


async def test_include_paths_lists_every_way_to_the_end_object(api, shop):
    page = await traverse(api, "Person", shop["p1"], "orders.items.product", include="paths")
    by_product = {o["external_id"]: o["paths"] for o in page["data"]}
    as_ids = {p: {tuple(n["id"] for n in path) for path in paths} for p, paths in by_product.items()}
    assert as_ids == {
        "A": {(shop["p1"], shop["o1"], shop["i1"], shop["A"]), (shop["p1"], shop["o2"], shop["i3"], shop["A"])},
        "B": {(shop["p1"], shop["o1"], shop["i2"], shop["B"])},
    }
    assert [n["type"] for n in by_product["B"][0]] == ["Person", "Order", "Item", "Product"]
    plain = await traverse(api, "Person", shop["p1"], "orders.items.product")
    assert all(o["paths"] is None for o in plain["data"])


async def test_bad_paths_are_422_naming_the_attribute_and_unknown_starts_404(api, shop):
    p1 = shop["p1"]
    response = await api.client.get(f"/v1/objects/Person/{p1}/traverse", params={"path": "orders.itemz"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "itemz" in error["message"] and error["details"]["hop"] == 2 and error["details"]["type"] == "Order"
    not_a_reference = await api.client.get(f"/v1/objects/Person/{p1}/traverse", params={"path": "email"})
    assert not_a_reference.status_code == 422
    too_long = await api.client.get(f"/v1/objects/Person/{p1}/traverse",
                                    params={"path": ".".join(["orders", "customer"] * 4)})
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "path_too_long"
    assert (await api.client.get(f"/v1/objects/Person/{p1}/traverse", params={"path": "a..b"})).status_code == 422
    missing = await api.client.get("/v1/objects/Person/nobody/traverse", params={"path": "orders"})
    assert missing.status_code == 404


async def test_list_filters_by_a_referenced_object_in_either_direction(api, shop):
    orders = await api.client.get("/v1/objects/Order", params={"references.customer": shop["p1"]})
    assert orders.status_code == 200 and external_ids(orders.json()) == {"o1", "o2"}
    people = await api.client.get("/v1/objects/Person", params={"references.orders": shop["o3"]})
    assert external_ids(people.json()) == {"p2"}
    page = await api.client.get("/v1/objects/Order", params={"references.customer": shop["p2"], "limit": 10})
    assert len(page.json()["data"]) == 10 and page.json()["next_cursor"]
    unknown = await api.client.get("/v1/objects/Order", params={"references.buyer": shop["p1"]})
    assert unknown.status_code == 422 and "buyer" in unknown.json()["error"]["message"]


async def test_another_workspace_cannot_traverse_from_these_objects(api, shop, neo4j_target):
    from tests.conftest import api_for

    async with api_for(neo4j_target) as other:
        await create_types(other, ORDER)  # the same schema, so only the object is foreign
        response = await other.client.get(f"/v1/objects/Person/{shop['p1']}/traverse", params={"path": "orders"})
        assert response.status_code == 404


async def test_a_schema_change_made_through_another_process_is_seen(api, shop, neo4j_target):
    """Each API process caches the schema for traversals; a change made through another
    process (here: a second app on the same workspace) must be seen at once."""
    from service.main import create_app
    from tests.conftest import settings_for

    import httpx

    p1 = shop["p1"]
    assert external_ids(await traverse(api, "Person", p1, "orders")) == {"o1", "o2"}  # cached now
    other = create_app(settings_for(neo4j_target, tokens=f"{api.token}:{api.workspace}"))
    async with other.router.lifespan_context(other):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://other",
                                     headers={"Authorization": f"Bearer {api.token}"}) as client:
            added = await client.post("/v1/types/Person/attributes", json={
                "name": "favourite", "data_type": "reference",
                "reference": {"target": "Product", "cardinality": "one"}})
            assert added.status_code == 201, added.text
            linked = await client.put(f"/v1/objects/Person/{p1}/references/favourite",
                                      json={"targets": [{"external_id": "B"}]})
            assert linked.status_code == 200, linked.text
            removed = await client.delete("/v1/types/Order/attributes/order_number")
            assert removed.status_code in (200, 204), removed.text
    assert external_ids(await traverse(api, "Person", p1, "favourite")) == {"B"}
    orders = await api.client.get(f"/v1/objects/Person/{p1}/traverse",
                                  params={"path": "orders", "where": "order_number=O1"})
    assert orders.status_code == 422 and "order_number" in orders.json()["error"]["message"]



async def test_a_runaway_traversal_is_stopped_at_its_time_limit(neo4j_target):
    """Six hops over a graph where each of 200 nodes links to all 200: each hop expands
    40,000 relationships, more than Neo4j gets through in the limit of 50 ms (it checks
    limits every 100 ms on the local server). Distinct nodes are carried from hop to hop,
    so the walk is bounded; it is only long."""
    from tests.conftest import api_for

    async with api_for(neo4j_target, traversal_timeout_s=0.05) as limited:
        await create_types(limited, {"name": "Node", "attributes": [
            {"name": "links", "data_type": "reference",
             "reference": {"target": "Node", "cardinality": "many"}}]})
        nodes = [f"n{i}" for i in range(200)]
        created = await limited.client.post("/v1/objects/Node/batch", json={"records": [
            {"external_id": n} for n in nodes]})
        linked = await limited.client.post("/v1/objects/Node/batch", json={"records": [
            {"external_id": n, "references": {"links": [{"external_id": m} for m in nodes]}}
            for n in nodes]})
        assert (created.status_code, linked.status_code) == (200, 200), linked.text
        start = f"/v1/objects/Node/{created.json()['ids'][0]}/traverse"

        response = await limited.client.get(start, params={"path": ".".join(["links"] * 6),
                                                           "include": "paths"})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "traversal_timeout"
        assert error["details"] == {"limit": "REFGRAPH_TRAVERSAL_TIMEOUT_S", "value": 0.05}

        listed = await limited.client.get("/v1/objects/Node", params={"limit": 1000})
        assert listed.status_code == 200  # the limit stopped one query, not the service
        assert {o["external_id"] for o in listed.json()["data"]} == set(nodes)
