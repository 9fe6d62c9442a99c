"""A re-sync of records the graph already holds writes nothing: no write lock is taken
(a writer holding the targets' locks does not hold it up), no event, no updated_at; the
records that did change are written as before."""

from __future__ import annotations

import asyncio

from tests.integration.helpers import ORDER, create_types


async def orders(api, n: int, total: float = 1.0, customer: str = "c0") -> dict:
    body = {"records": [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}", "total": total + i},
                         "references": {"customer": {"external_id": customer}}} for i in range(n)]}
    answer = await api.client.post("/v1/objects/Order/batch", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_an_unchanged_resync_waits_for_no_lock_and_writes_nothing(api, graph):
    await create_types(api, ORDER)
    for name in ("c0", "c1"):
        (await api.client.post("/v1/objects/Person", json={"external_id": name})).raise_for_status()
    first = await orders(api, 20)
    stamps = graph.execute_query("MATCH (o:Order {workspace: $ws}) RETURN o.external_id AS e, o.updated_at AS u",
                                 ws=api.workspace)[0]
    events = graph.execute_query("MATCH (b:_EventBatch {workspace: $ws}) RETURN count(b) AS n", ws=api.workspace
                                 )[0][0]["n"]
    with graph.session() as session, session.begin_transaction() as holder:  # another writer holds c0's lock
        holder.run("MATCH (p:Person {workspace: $ws, external_id: 'c0'}) SET p.touched = true",
                   ws=api.workspace).consume()
        again = await asyncio.wait_for(orders(api, 20), timeout=20)
        holder.rollback()
    assert (again["created"], again["updated"], again["unchanged"], again["ids"]) == (0, 0, 20, first["ids"])
    assert graph.execute_query("MATCH (o:Order {workspace: $ws}) RETURN o.external_id AS e, o.updated_at AS u",
                               ws=api.workspace)[0] == stamps
    assert graph.execute_query("MATCH (b:_EventBatch {workspace: $ws}) RETURN count(b) AS n", ws=api.workspace
                               )[0][0]["n"] == events

    changed = await orders(api, 20, customer="c1")  # every target changes: written, as before
    assert (changed["created"], changed["updated"], changed["ids"]) == (0, 20, first["ids"])
    linked = graph.execute_query("MATCH (o:Order {workspace: $ws})-[:CUSTOMER]->(p) RETURN DISTINCT p.external_id AS p",
                                 ws=api.workspace)[0]
    assert {r["p"] for r in linked} == {"c1"}

