"""Cardinality under concurrency: 64 clients at once, real Neo4j, read back from the graph."""

import asyncio
from collections import Counter

from tests.integration.helpers import ORDER, PASSPORT, create_types, external_ids, person

CLIENTS = 64


def violations(graph, workspace):
    """Nodes holding two relationships on a `one` side."""
    records, _, _ = graph.execute_query(
        """
        CALL {
          MATCH (p:Person {workspace: $ws})<-[r:HOLDER]-() WITH p, count(r) AS c WHERE c > 1 RETURN p AS n
          UNION
          MATCH (pp:Passport {workspace: $ws})-[r:HOLDER]->() WITH pp, count(r) AS c WHERE c > 1 RETURN pp AS n
          UNION
          MATCH (o:Order {workspace: $ws})-[r:CUSTOMER]->() WITH o, count(r) AS c WHERE c > 1 RETURN o AS n
        }
        RETURN count(n) AS violations
        """, ws=workspace)
    return records[0]["violations"]


def holder_count(graph, workspace, person_external_id):
    records, _, _ = graph.execute_query(
        "MATCH (:Person {workspace: $ws, external_id: $e})<-[r:HOLDER]-() RETURN count(r) AS c",
        ws=workspace, e=person_external_id)
    return records[0]["c"]


async def test_64_clients_racing_to_give_one_person_two_passports(api, graph):
    await create_types(api, PASSPORT)
    await person(api, "cust-42")

    async def claim(i):
        return await api.client.post("/v1/objects/Passport", json={
            "external_id": f"P-{i}", "references": {"holder": {"external_id": "cust-42"}}})

    responses = await asyncio.gather(*(claim(i) for i in range(CLIENTS)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: CLIENTS - 1}, statuses
    assert all(r.json()["error"]["code"] == "cardinality_conflict"
               for r in responses if r.status_code == 409)
    assert holder_count(graph, api.workspace, "cust-42") == 1
    assert len(external_ids(graph, api.workspace, "Passport")) == 1  # losers wrote nothing
    assert violations(graph, api.workspace) == 0


async def test_64_clients_racing_to_give_one_passport_two_holders(api, graph):
    await create_types(api, PASSPORT)
    people = [await person(api, f"cust-{i}") for i in range(CLIENTS)]
    passport = (await api.client.post("/v1/objects/Passport", json={"external_id": "P-1"})).json()
    base = f"/v1/objects/Passport/{passport['id']}/references/holder"

    async def set_holder(i):
        return await api.client.post(base, json={"targets": [{"id": people[i]["id"]}]})

    responses = await asyncio.gather(*(set_holder(i) for i in range(CLIENTS)))
    assert {r.status_code for r in responses} == {200}  # each replaces the one before
    records, _, _ = graph.execute_query(
        "MATCH (:Passport {workspace: $ws, external_id: 'P-1'})-[r:HOLDER]->(p) RETURN p.external_id AS p",
        ws=api.workspace)
    assert len(records) == 1
    assert violations(graph, api.workspace) == 0


async def test_64_clients_on_a_dense_person(api, graph):
    await create_types(api, ORDER, PASSPORT)
    await person(api, "dense")
    records = [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"},
                "references": {"customer": {"external_id": "dense"}}} for i in range(5000)]
    response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
    assert response.status_code == 200, response.text

    async def passport(i):
        return await api.client.post("/v1/objects/Passport", json={
            "external_id": f"P-{i}", "references": {"holder": {"external_id": "dense"}}})

    async def order(i):
        return await api.client.post("/v1/objects/Order", json={
            "external_id": f"new-{i}", "attributes": {"order_number": f"X{i}"},
            "references": {"customer": {"external_id": "dense"}}})

    results = await asyncio.gather(*(passport(i) for i in range(CLIENTS)),
                                   *(order(i) for i in range(CLIENTS)))
    passports, orders = results[:CLIENTS], results[CLIENTS:]
    assert Counter(r.status_code for r in passports) == {201: 1, 409: CLIENTS - 1}
    assert {r.status_code for r in orders} == {201}
    assert holder_count(graph, api.workspace, "dense") == 1
    records, _, _ = graph.execute_query(
        "MATCH (:Person {workspace: $ws, external_id: 'dense'})<-[r:CUSTOMER]-() RETURN count(r) AS c",
        ws=api.workspace)
    assert records[0]["c"] == 5000 + CLIENTS
    assert violations(graph, api.workspace) == 0


async def test_32_concurrent_batches_of_the_same_1000_external_ids(api, graph):
    await create_types(api, ORDER)
    records = [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"}}
               for i in range(1000)]

    async def ingest():
        return await api.client.post("/v1/objects/Order/batch", json={"records": records})

    responses = await asyncio.gather(*(ingest() for _ in range(32)))
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200][:1]
    assert sum(r.json()["created"] for r in responses) == 1000
    ids = external_ids(graph, api.workspace, "Order")
    assert len(ids) == 1000 and len(set(ids)) == 1000
