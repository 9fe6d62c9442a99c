"""The common ingest creates the rows its comparison found no object for with a CREATE
(objects/insert_and_link): they are stored as a merge would store them; one that another
writer makes meanwhile is merged when the write runs again; a unique value another
object holds is still a 409 naming it."""

from __future__ import annotations

from tests.integration.helpers import ORDER, create_types
from tests.integration.test_events import feed, summary
from tests.integration.test_reingest import behind_a_writer, orders

TICKET = {"name": "Ticket", "attributes": [  # a unique value and a reference the one-pass ingest sets
    {"name": "code", "data_type": "string", "unique": True},
    {"name": "watchers", "data_type": "reference", "reference": {"target": "Person", "cardinality": "many"}}]}


async def test_new_rows_are_stored_as_a_merge_stores_them(api, graph):
    await create_types(api, ORDER)
    (await api.client.post("/v1/objects/Person", json={"external_id": "c0"})).raise_for_status()
    _, start = await feed(api)
    made = await orders(api, 3)
    assert (made["created"], made["updated"]) == (3, 0)
    records, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws})-[r:CUSTOMER]->(p:Person) "
        "RETURN o {.*} AS o, r {.*} AS r, p.external_id AS p", ws=api.workspace)
    assert {r["o"]["id"] for r in records} == set(made["ids"])
    for record in records:
        order, link = record["o"], record["r"]
        i = int(order["external_id"][1:])
        assert set(order) == {"workspace", "external_id", "id", "order_number", "total", "created_at", "updated_at"}
        assert (order["order_number"], order["total"], record["p"]) == (f"N{i}", 1.0 + i, "c0")
        assert order["created_at"] == order["updated_at"]
        assert set(link) == {"written_at", "source_one"} and link["source_one"] == order["id"]  # customer is `one`
    events, _ = await feed(api, start)
    assert summary(events) == [event for i in range(3) for event in (
        ("object.created", "Order", f"o{i}", None, None), ("reference.added", "Order", f"o{i}", "customer", "c0"))]


async def test_a_new_row_another_writer_makes_meanwhile_is_merged(api, graph):
    """Another writer makes o0 (uncommitted, so this batch finds it absent) and holds
    c0's lock; this batch waits, its CREATE of o0 is refused once the other commits, and
    the write runs again: o0 is updated with this batch's values, o1 created."""
    await create_types(api, ORDER)
    (await api.client.post("/v1/objects/Person", json={"external_id": "c0"})).raise_for_status()
    answer = await behind_a_writer(api, graph, [
        "MATCH (p:Person {workspace: $ws, external_id: 'c0'}) "
        "CREATE (:Order {workspace: $ws, external_id: 'o0', id: 'theirs', order_number: 'N0', total: 0.0, "
        "created_at: datetime(), updated_at: datetime()})-[:CUSTOMER {written_at: datetime()}]->(p)"], [5.0, 6.0])
    assert (answer["ids"][0], answer["created"], answer["updated"]) == ("theirs", 1, 1)
    records, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws}) OPTIONAL MATCH (o)-[:CUSTOMER]->(p) RETURN o.external_id AS e, "
        "o.total AS t, collect(p.external_id) AS p", ws=api.workspace)
    assert {(r["e"], r["t"], tuple(r["p"])) for r in records} == {("o0", 5.0, ("c0",)), ("o1", 6.0, ("c0",))}


async def test_a_new_row_with_a_unique_value_another_object_holds_is_refused_naming_it(api, graph):
    await create_types(api, TICKET)
    (await api.client.post("/v1/objects/Person", json={"external_id": "p0"})).raise_for_status()
    first = await api.client.post("/v1/objects/Ticket", json={"external_id": "t0", "attributes": {"code": "A-1"}})
    assert first.status_code == 201, first.text
    batch = {"records": [{"external_id": f"t{i}", "attributes": {"code": code},
                          "references": {"watchers": [{"external_id": "p0"}]}}
                         for i, code in ((1, "B-1"), (2, "A-1"))]}
    refused = await api.client.post("/v1/objects/Ticket/batch", json=batch)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "unique_violation" and "t0" in refused.text
    records, _, _ = graph.execute_query("MATCH (t:Ticket {workspace: $ws}) RETURN t.external_id AS e",
                                        ws=api.workspace)
    assert {r["e"] for r in records} == {"t0"}
