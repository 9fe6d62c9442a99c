"""A target deleted by another transaction while a write waits for its lock: the write
finds it gone once it holds the lock, and is refused with the target named, instead of
answering 200 with the reference silently dropped (the one-pass ingest and the general
path)."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager

from tests.integration.helpers import ORDER, create_types
from tests.integration.test_reingest import orders


@contextmanager
def deleting_c0_meanwhile(api, graph):
    """Holds c0's write lock while the body starts a write that needs it, then deletes c0."""
    with graph.session() as session, session.begin_transaction() as other:
        other.run("MATCH (p:Person {workspace: $ws, external_id: 'c0'}) SET p.touched = true",
                  ws=api.workspace).consume()
        yield
        other.run("MATCH (p:Person {workspace: $ws, external_id: 'c0'}) DETACH DELETE p", ws=api.workspace).consume()
        other.commit()


async def started(request) -> asyncio.Task:
    task = asyncio.create_task(request)
    await asyncio.sleep(2)
    assert not task.done()  # it waits for the lock of c0
    return task


async def test_a_batch_whose_target_is_deleted_while_it_waits_writes_nothing(api, graph):
    await create_types(api, ORDER)
    (await api.client.post("/v1/objects/Person", json={"external_id": "c0"})).raise_for_status()
    await orders(api, 2, total=1.0)
    batch = {"records": [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}", "total": 9.0},
                          "references": {"customer": {"external_id": "c0"}}} for i in range(3)]}
    with deleting_c0_meanwhile(api, graph):
        mine = await started(api.client.post("/v1/objects/Order/batch", json=batch))
    answer = await asyncio.wait_for(mine, 30)
    assert answer.status_code == 422, answer.text
    assert "c0" in answer.text
    records, _, _ = graph.execute_query("MATCH (o:Order {workspace: $ws}) RETURN o.external_id AS e, o.total AS t",
                                        ws=api.workspace)
    assert {(r["e"], r["t"]) for r in records} == {("o0", 1.0), ("o1", 2.0)}


async def test_an_update_whose_target_is_deleted_while_it_waits_keeps_the_old_reference(api, graph):
    await create_types(api, ORDER)
    for name in ("c0", "c1"):
        (await api.client.post("/v1/objects/Person", json={"external_id": name})).raise_for_status()
    order = (await orders(api, 1, customer="c1"))["ids"][0]
    with deleting_c0_meanwhile(api, graph):
        mine = await started(api.client.patch(f"/v1/objects/Order/{order}",
                                              json={"references": {"customer": {"external_id": "c0"}}}))
    answer = await asyncio.wait_for(mine, 30)
    assert answer.status_code == 422, answer.text
    assert "c0" in answer.text
    records, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws}) OPTIONAL MATCH (o)-[:CUSTOMER]->(p) RETURN o.id AS o, p.external_id AS p",
        ws=api.workspace)
    assert {(r["o"], r["p"]) for r in records} == {(order, "c1")}
