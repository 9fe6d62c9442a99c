"""Shared test data and graph read-backs."""

ORDER = {
    "name": "Order", "label": "Order", "description": "A purchase",
    "attributes": [
        {"name": "order_number", "data_type": "string", "required": True},
        {"name": "total", "data_type": "float"},
        {"name": "quantity", "data_type": "integer"},
        {"name": "placed_on", "data_type": "date"},
        {"name": "customer", "data_type": "reference",
         "reference": {"target": "Person", "cardinality": "one", "on_delete": "clear",
                       "inverse": {"name": "orders", "cardinality": "many"}}},
    ],
}
PASSPORT = {
    "name": "Passport", "attributes": [
        {"name": "number", "data_type": "string"},
        {"name": "expires_on", "data_type": "date"},
        {"name": "holder", "data_type": "reference",
         "reference": {"target": "Person", "cardinality": "one", "on_delete": "cascade",
                       "inverse": {"name": "passport", "cardinality": "one"}}},
    ],
}


async def create_types(api, *specs):
    for spec in specs:
        response = await api.client.post("/v1/types", json=spec)
        assert response.status_code == 201, response.text


async def person(api, external_id, **attributes):
    response = await api.client.post("/v1/objects/Person", json={
        "external_id": external_id, "attributes": attributes})
    assert response.status_code in (200, 201), response.text
    return response.json()


def edges(graph, workspace, rel):
    """(source external id, target external id) pairs of one relationship type."""
    records, _, _ = graph.execute_query(
        f"MATCH (s {{workspace: $ws}})-[r:`{rel}`]->(t {{workspace: $ws}}) "
        "RETURN s.external_id AS s, t.external_id AS t", ws=workspace)
    return {(r["s"], r["t"]) for r in records}


def external_ids(graph, workspace, label):
    records, _, _ = graph.execute_query(
        f"MATCH (n:`{label}` {{workspace: $ws}}) RETURN n.external_id AS e", ws=workspace)
    return [r["e"] for r in records]
