"""Issue 32: a batch that names one object more than once ends with what its last record
says: each record's values win over the earlier records' (as if they were written one
after the other), whatever the graph held before the batch. Through the API, read back
from the graph and the change feed; the general ingest, the one-pass ingest (every record
sets one reference) and ?match_on= alike."""

from __future__ import annotations

import pytest

from tests.integration.helpers import ORDER, create_types
from tests.integration.test_events import feed, summary

CUSTOMER = {"name": "Customer", "attributes": [
    {"name": "email", "data_type": "string", "unique": True},
    {"name": "score", "data_type": "float"}]}


def orders(graph, workspace) -> dict[str, tuple]:
    records, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws}) OPTIONAL MATCH (o)-[:CUSTOMER]->(p) "
        "RETURN o.external_id AS e, o.total AS t, o.quantity AS q, p.external_id AS c", ws=workspace)
    return {r["e"]: (r["t"], r["q"], r["c"]) for r in records}


async def batch(api, records, **params) -> dict:
    answer = await api.client.post(f"/v1/objects/{params.pop('type', 'Order')}/batch", json={"records": records},
                                   params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def counts(answer) -> tuple[int, int, int]:
    return answer["created"], answer["updated"], answer["unchanged"]


@pytest.mark.parametrize("linked", [False, True], ids=["general", "one_pass"])
async def test_the_last_record_of_an_object_named_twice_wins(api, graph, linked):
    await create_types(api, ORDER)
    for name in ("c0", "c1"):
        (await api.client.post("/v1/objects/Person", json={"external_id": name})).raise_for_status()

    def order(external_id, customer=None, **attributes):
        linking = {"references": {"customer": {"external_id": customer}}} if linked and customer else {}
        return {"external_id": external_id, "attributes": attributes, **linking}

    first = await batch(api, [order("X", "c0", order_number="N1", total=5.0, quantity=1)])
    customer = "c0" if linked else None
    _, start = await feed(api)

    # Back to what the graph holds: the object ends as it was, nothing is written.
    answer = await batch(api, [order("X", "c1", total=6.0), order("X", "c0", total=5.0)])
    assert orders(graph, api.workspace) == {"X": (5.0, 1, customer)}
    assert answer["ids"] == first["ids"] * 2 and counts(answer) == (0, 0, 2)
    assert (await feed(api, start))[0] == []

    # Values only an earlier record gives are kept; the last record's win.
    answer = await batch(api, [order("X", "c1", total=6.0, quantity=2), order("X", "c0", total=7.0)])
    assert orders(graph, api.workspace) == {"X": (7.0, 2, customer)}
    assert answer["ids"] == first["ids"] * 2 and counts(answer) == (0, 1, 1)
    events, start = await feed(api, start)
    assert summary(events) == [("object.updated", "Order", "X", None, None)]
    assert events[0]["changes"] == {"total": [5.0, 7.0], "quantity": [1, 2]}

    # A new object named three times: one object, created once, with the last values.
    answer = await batch(api, [order("Y", "c0", order_number="N2", total=1.0), order("X", "c0", total=7.0),
                               order("Y", "c1", total=2.0), order("Y", "c0", total=3.0)])
    assert orders(graph, api.workspace)["Y"] == (3.0, None, customer)
    assert len(set(answer["ids"])) == 2 and answer["ids"][0] == answer["ids"][2] == answer["ids"][3]
    assert counts(answer) == (1, 0, 3)
    events, _ = await feed(api, start)
    assert summary(events) == [("object.created", "Order", "Y", None, None)] + (
        [("reference.added", "Order", "Y", "customer", "c0")] if linked else [])


async def test_match_on_the_last_record_of_a_value_named_twice_wins(api, graph):
    await create_types(api, CUSTOMER)
    await batch(api, [{"external_id": "k1", "attributes": {"email": "ada@example.com", "score": 5.0}}],
                type="Customer")
    answer = await batch(api, [{"attributes": {"email": "ada@example.com", "score": 6.0}},
                               {"attributes": {"email": "ada@example.com", "score": 5.0}}],
                         type="Customer", match_on="email")
    records, _, _ = graph.execute_query("MATCH (c:Customer {workspace: $ws}) RETURN c.external_id AS e, c.score AS s",
                                        ws=api.workspace)
    assert [(r["e"], r["s"]) for r in records] == [("k1", 5.0)]
    assert counts(answer) == (0, 0, 2) and len(set(answer["ids"])) == 1


async def test_a_refused_record_is_named_by_its_own_index_and_nothing_is_written(api, graph):
    await create_types(api, ORDER)
    await batch(api, [{"external_id": "X", "attributes": {"order_number": "N1", "total": 5.0}}])
    refused = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": "X", "attributes": {"total": 6.0}}, {"external_id": "X", "attributes": {"total": "lots"}}]})
    assert refused.status_code == 422, refused.text
    assert [e["index"] for e in refused.json()["error"]["details"]["errors"]] == [1]
    missing = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": "Z", "attributes": {"total": 1.0}}, {"external_id": "Z", "attributes": {"total": 2.0}}]})
    assert missing.status_code == 422 and "order_number" in missing.text
    assert orders(graph, api.workspace) == {"X": (5.0, None, None)}
