"""The common ingest creates the rows its comparison found no object for with a CREATE
(objects/insert_and_link): they are stored as a merge would store them; one that another
writer makes meanwhile is merged when the write runs again; a unique value another
object holds is still a 409 naming it."""

from __future__ import annotations

import asyncio
import re

from tests.integration.helpers import ORDER, create_types
from tests.integration.test_events import feed, summary
from tests.integration.test_reingest import behind_a_writer, orders

TICKET = {"name": "Ticket", "attributes": [  # a unique value and a reference the one-pass ingest sets
    {"name": "code", "data_type": "string", "unique": True},
    {"name": "watchers", "data_type": "reference", "reference": {"target": "Person", "cardinality": "many"}}]}


async def reruns(api, reason: str) -> float:
    """``refgraph_write_reruns_total{reason}`` as /metrics shows it (0 before the first)."""
    text = (await api.client.get("/metrics")).text
    found = re.search(rf'^refgraph_write_reruns_total{{reason="{reason}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


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
    before = await reruns(api, "insert_refused")
    answer = await behind_a_writer(api, graph, [
        "MATCH (p:Person {workspace: $ws, external_id: 'c0'}) "
        "CREATE (:Order {workspace: $ws, external_id: 'o0', id: 'theirs', order_number: 'N0', total: 0.0, "
        "created_at: datetime(), updated_at: datetime()})-[:CUSTOMER {written_at: datetime()}]->(p)"], [5.0, 6.0])
    assert (answer["ids"][0], answer["created"], answer["updated"]) == ("theirs", 1, 1)
    assert await reruns(api, "insert_refused") == before + 1
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


async def test_an_update_that_frees_a_unique_value_a_new_row_takes_is_written_at_once(api, graph):
    """t0 gives up A-1 and the new t1, after it, takes it: written at the first attempt,
    as one MERGE in record order wrote it (the updates go before the creates; the other
    way the CREATE would be refused and the batch run again)."""
    await create_types(api, TICKET)
    (await api.client.post("/v1/objects/Person", json={"external_id": "p0"})).raise_for_status()
    watched = {"watchers": [{"external_id": "p0"}]}
    first = await api.client.post("/v1/objects/Ticket/batch", json={"records": [
        {"external_id": "t0", "attributes": {"code": "A-1"}, "references": watched}]})
    assert first.status_code == 200, first.text
    before = await reruns(api, "insert_refused")
    moved = await api.client.post("/v1/objects/Ticket/batch", json={"records": [
        {"external_id": "t0", "attributes": {"code": "B-1"}, "references": watched},
        {"external_id": "t1", "attributes": {"code": "A-1"}, "references": watched}]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["created"], moved.json()["updated"]) == (1, 1)
    assert await reruns(api, "insert_refused") == before
    records, _, _ = graph.execute_query("MATCH (t:Ticket {workspace: $ws}) RETURN t.external_id AS e, t.code AS c",
                                        ws=api.workspace)
    assert {(r["e"], r["c"]) for r in records} == {("t0", "B-1"), ("t1", "A-1")}


async def test_a_batch_waits_for_the_lock_of_a_target_it_keeps(api, graph):
    """Another writer holds only c0's lock; this batch keeps c0 as o1's customer and
    changes o1's total: the lock it takes on c0 (a write of the value c0 holds) waits."""
    await create_types(api, ORDER)
    (await api.client.post("/v1/objects/Person", json={"external_id": "c0"})).raise_for_status()
    await orders(api, 2, total=1.0)  # o0: 1.0, o1: 2.0
    answer = await behind_a_writer(api, graph, [], [1.0, 7.0])
    assert (answer["updated"], answer["unchanged"]) == (1, 1)


async def test_a_batch_naming_an_unknown_target_is_refused_without_waiting_for_the_others(api, graph):
    await create_types(api, ORDER)
    (await api.client.post("/v1/objects/Person", json={"external_id": "c0"})).raise_for_status()
    batch = {"records": [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"},
                          "references": {"customer": {"external_id": customer}}}
                         for i, customer in enumerate(("c0", "zz"))]}
    with graph.session() as session, session.begin_transaction() as other:  # holds c0's lock
        other.run("MATCH (p:Person {workspace: $ws, external_id: 'c0'}) SET p.touched = true",
                  ws=api.workspace).consume()
        refused = await asyncio.wait_for(api.client.post("/v1/objects/Order/batch", json=batch), timeout=5)
        other.rollback()
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["errors"] == [
        {"index": 1, "code": "unknown_reference", "message": "customer: no Person with external_id 'zz'",
         "field": "customer"}]
