"""Changing a reference's cardinality: dry run, refusal without confirmation, apply."""

import asyncio

from tests.integration.helpers import ORDER, create_types, edges, person

PATCH = "/v1/types/Order/attributes/customer"
TO_ONE_TO_ONE = {"reference": {"inverse": {"cardinality": "one"}}}


async def orders_for(api, person_external_id, *numbers):
    for n in numbers:
        response = await api.client.post("/v1/objects/Order", json={
            "external_id": f"o{n}", "attributes": {"order_number": f"N{n}"},
            "references": {"customer": {"external_id": person_external_id}}})
        assert response.status_code == 201, response.text


async def test_dry_run_refusal_and_apply_keep_the_most_recent(api, graph):
    await create_types(api, ORDER)
    await person(api, "p1")
    await person(api, "p2")
    await orders_for(api, "p1", 1, 2, 3)
    await orders_for(api, "p2", 4)

    dry = await api.client.patch(PATCH, params={"dry_run": "true"}, json=TO_ONE_TO_ONE)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["would_delete"] == 2
    assert {(a["source"]["external_id"], a["target"]["external_id"]) for a in report["associations"]} \
        == {("o1", "p1"), ("o2", "p1")}
    assert report["used_by"] == {"connectors": [], "selectors": []}
    assert len(edges(graph, api.workspace, "CUSTOMER")) == 4  # a dry run changes nothing

    refused = await api.client.patch(PATCH, json=TO_ONE_TO_ONE)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "confirmation_required"
    assert refused.json()["error"]["details"]["would_delete"] == 2
    assert len(edges(graph, api.workspace, "CUSTOMER")) == 4

    applied = await api.client.patch(PATCH, params={"confirm": "true"}, json=TO_ONE_TO_ONE)
    assert applied.status_code == 200, applied.text
    assert applied.json()["reference"]["inverse"]["cardinality"] == "one"
    assert edges(graph, api.workspace, "CUSTOMER") == {("o3", "p1"), ("o4", "p2")}
    person_type = (await api.client.get("/v1/types/Person")).json()
    orders = next(a for a in person_type["attributes"] if a["name"] == "orders")
    assert orders["reference"]["cardinality"] == "one"

    # Now one-to-one: a second order for p1 is a conflict naming the holder.
    second = await api.client.post("/v1/objects/Order", json={
        "external_id": "o5", "attributes": {"order_number": "N5"},
        "references": {"customer": {"external_id": "p1"}}})
    assert second.status_code == 409
    assert second.json()["error"]["details"]["holder"]["external_id"] == "o3"

    # Back to many only relaxes: no confirmation needed.
    relaxed = await api.client.patch(PATCH, json={"reference": {"inverse": {"cardinality": "many"}}})
    assert relaxed.status_code == 200, relaxed.text
    await orders_for(api, "p1", 6)
    assert edges(graph, api.workspace, "CUSTOMER") == {("o3", "p1"), ("o4", "p2"), ("o6", "p1")}


async def test_names_and_types_of_attributes_are_immutable_labels_are_not(api):
    await create_types(api, ORDER)
    rename = await api.client.patch("/v1/types/Order/attributes/total", json={"name": "amount"})
    assert rename.status_code == 422 and rename.json()["error"]["code"] == "immutable_name"
    retype = await api.client.patch("/v1/types/Order/attributes/total", json={"data_type": "string"})
    assert retype.status_code == 422
    label = await api.client.patch("/v1/types/Order/attributes/total",
                                   json={"label": "Amount", "description": "In euros"})
    assert label.status_code == 200 and label.json()["label"] == "Amount"


async def test_delete_an_attribute_removes_its_values_and_associations(api, graph):
    await create_types(api, ORDER)
    await person(api, "p1")
    await orders_for(api, "p1", 1)
    assert (await api.client.delete("/v1/types/Order/attributes/customer")).status_code == 204
    assert edges(graph, api.workspace, "CUSTOMER") == set()
    person_type = (await api.client.get("/v1/types/Person")).json()
    assert "orders" not in {a["name"] for a in person_type["attributes"]}
    assert (await api.client.delete("/v1/types/Person/attributes/email")).status_code == 409


async def test_a_change_applied_while_writers_run_leaves_no_violation(api, graph):
    await create_types(api, ORDER)
    for p in range(4):
        await person(api, f"p{p}")
    stop = asyncio.Event()
    statuses = []

    async def writer(w):
        n = 0
        while not stop.is_set():
            response = await api.client.post("/v1/objects/Order", json={
                "external_id": f"w{w}-{n}", "attributes": {"order_number": "N"},
                "references": {"customer": {"external_id": f"p{n % 4}"}}})
            statuses.append(response.status_code)
            n += 1

    writers = [asyncio.create_task(writer(w)) for w in range(16)]
    await asyncio.sleep(1.5)
    applied = await api.client.patch(PATCH, params={"confirm": "true"}, json=TO_ONE_TO_ONE)
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*writers)
    assert applied.status_code == 200, applied.text
    assert not [s for s in statuses if s >= 500]
    assert 409 in statuses  # writers after the change met the new rule
    records, _, _ = graph.execute_query(
        "MATCH (p:Person {workspace: $ws})<-[r:CUSTOMER]-() WITH p, count(r) AS c "
        "WHERE c > 1 RETURN count(p) AS violations", ws=api.workspace)
    assert records[0]["violations"] == 0
