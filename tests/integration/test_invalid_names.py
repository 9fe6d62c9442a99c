"""Hostile names never reach Cypher: 422, and the database's labels and types are unchanged."""

import pytest

BAD_NAMES = [
    "Order`) DETACH DELETE (n", "a`b", "a\u0060b", "Order/**/", "Two words", "MATCH", "return",
    "x" * 10_000, "Оrder",  # Cyrillic capital O
    "_hidden", "1st", "a-b", "",
]


def tokens(graph):
    labels, _, _ = graph.execute_query("CALL db.labels() YIELD label RETURN collect(label) AS l")
    rels, _, _ = graph.execute_query(
        "CALL db.relationshipTypes() YIELD relationshipType RETURN collect(relationshipType) AS r")
    keys, _, _ = graph.execute_query("CALL db.propertyKeys() YIELD propertyKey RETURN collect(propertyKey) AS k")
    return set(labels[0]["l"]), set(rels[0]["r"]), set(keys[0]["k"])


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: repr(n[:20]))
async def test_bad_type_and_attribute_names_are_422_and_change_nothing(api, graph, name):
    await api.client.get("/v1/types")  # the workspace's built-in types are in place
    before = tokens(graph)
    as_type = await api.client.post("/v1/types", json={"name": name, "attributes": []})
    assert as_type.status_code == 422, as_type.text
    assert as_type.json()["error"]["code"] in ("invalid_identifier", "invalid_input")
    as_attribute = await api.client.post("/v1/types", json={
        "name": "Ticket", "attributes": [{"name": name, "data_type": "string"}]})
    assert as_attribute.status_code == 422, as_attribute.text
    as_reference = await api.client.post("/v1/types", json={
        "name": "Ticket", "attributes": [{"name": "ok", "data_type": "reference",
                                          "reference": {"target": "Person",
                                                        "inverse": {"name": name}}}]})
    assert as_reference.status_code == 422, as_reference.text
    in_a_path = await api.client.get(f"/v1/objects/{name[:200]}")
    assert in_a_path.status_code in (404, 422)
    assert tokens(graph) == before
    assert (await api.client.get("/v1/types/Ticket")).status_code == 404


async def test_reserved_instance_fields_are_not_attribute_names(api):
    response = await api.client.post("/v1/types", json={
        "name": "Ticket", "attributes": [{"name": "external_id", "data_type": "string"}]})
    assert response.status_code == 422 and "reserved" in response.json()["error"]["message"]
