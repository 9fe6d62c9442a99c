"""Schema management through the API, read back from the graph."""

from tests.integration.helpers import ORDER



async def test_create_a_type_with_a_one_to_many_reference(api, graph):
    response = await api.client.post("/v1/types", json=ORDER)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Order" and body["created_at"]
    attributes = {a["name"]: a for a in body["attributes"]}
    assert set(attributes) == {"order_number", "total", "quantity", "placed_on", "customer"}
    assert attributes["order_number"]["label"] == "Order number"
    assert attributes["customer"]["reference"] == {
        "target": "Person", "cardinality": "one", "on_delete": "clear",
        "inverse": {"name": "orders", "cardinality": "many"}, "properties": [], "limits": []}

    person = (await api.client.get("/v1/types/Person")).json()
    orders = next(a for a in person["attributes"] if a["name"] == "orders")
    assert orders["reference"]["target"] == "Order"
    assert orders["reference"]["cardinality"] == "many"
    assert orders["reference"]["inverse"] == {"name": "customer", "cardinality": "one"}

    # The schema is in the graph, scoped to the workspace, for Browser to show.
    records, _, _ = graph.execute_query(
        "MATCH (t:_Type {workspace: $ws})-[:HAS_ATTRIBUTE]->(a:_Attribute) "
        "OPTIONAL MATCH (a)-[:TARGETS]->(target:_Type) "
        "RETURN t.name AS type, a.name AS attribute, target.name AS target", ws=api.workspace)
    rows = {(r["type"], r["attribute"], r["target"]) for r in records}
    assert {("Order", "customer", "Person"), ("Person", "orders", "Order"),
            ("Order", "total", None), ("Conversation", "contact", "Person"),
            ("Person", "conversations", "Conversation")} <= rows


async def test_types_list_and_builtins(api):
    response = await api.client.get("/v1/types")
    assert response.status_code == 200
    body = response.json()
    assert {t["name"] for t in body["data"]} == {"Person", "Conversation"}
    assert body["next_cursor"] is None
    assert all(t["builtin"] for t in body["data"])


async def test_names_are_unique_case_insensitively_and_immutable(api):
    assert (await api.client.post("/v1/types", json=ORDER)).status_code == 201
    again = await api.client.post("/v1/types", json={**ORDER, "name": "ORDER", "attributes": []})
    assert again.status_code == 409 and again.json()["error"]["code"] == "type_exists"
    rename = await api.client.patch("/v1/types/Order", json={"name": "Purchase"})
    assert rename.status_code == 422 and rename.json()["error"]["code"] == "immutable_name"
    edit = await api.client.patch("/v1/types/Order", json={"label": "Purchase order",
                                                            "description": "Edited"})
    assert edit.status_code == 200
    assert (edit.json()["label"], edit.json()["description"]) == ("Purchase order", "Edited")


async def test_unknown_type_is_404_and_bad_target_is_422(api):
    response = await api.client.get("/v1/types/Nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_type"
    bad = {"name": "Ticket", "attributes": [
        {"name": "thing", "data_type": "reference", "reference": {"target": "Missing"}}]}
    response = await api.client.post("/v1/types", json=bad)
    assert response.status_code == 422 and "Missing" in response.json()["error"]["message"]
    assert (await api.client.get("/v1/types/Ticket")).status_code == 404


async def test_workspaces_do_not_see_each_others_types(api, neo4j_target):
    from tests.conftest import api_for

    assert (await api.client.post("/v1/types", json=ORDER)).status_code == 201
    async with api_for(neo4j_target) as other:
        assert (await other.client.get("/v1/types/Order")).status_code == 404
        different = {"name": "Order", "attributes": [{"name": "sku", "data_type": "string"}]}
        assert (await other.client.post("/v1/types", json=different)).status_code == 201
        names = {a["name"] for a in (await other.client.get("/v1/types/Order")).json()["attributes"]}
        assert names == {"sku"}
    names = {a["name"] for a in (await api.client.get("/v1/types/Order")).json()["attributes"]}
    assert names == {"order_number", "total", "quantity", "placed_on", "customer"}


async def test_quotas_on_types_and_attributes(neo4j_target):
    from tests.conftest import api_for

    async with api_for(neo4j_target, max_types_per_workspace=2, max_attributes_per_type=3) as api:
        for name in ("A", "B"):
            assert (await api.client.post("/v1/types", json={"name": name})).status_code == 201
        third = await api.client.post("/v1/types", json={"name": "C"})
        assert third.status_code == 422 and third.json()["error"]["code"] == "quota_exceeded"
        assert "max_types_per_workspace" in third.json()["error"]["message"]
        for n in range(3):
            response = await api.client.post("/v1/types/A/attributes",
                                             json={"name": f"a{n}", "data_type": "string"})
            assert response.status_code == 201, response.text
        fourth = await api.client.post("/v1/types/A/attributes", json={"name": "a3", "data_type": "string"})
        assert fourth.status_code == 422 and fourth.json()["error"]["code"] == "quota_exceeded"


async def test_an_inverse_is_listed_after_the_targets_existing_attributes(api):
    assert (await api.client.post("/v1/types", json=ORDER)).status_code == 201
    names = [a["name"] for a in (await api.client.get("/v1/types/Person")).json()["attributes"]]
    assert names == ["email", "name", "phone", "role", "conversations", "orders"]
