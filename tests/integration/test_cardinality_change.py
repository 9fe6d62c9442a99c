"""Changing a reference's cardinality: dry run, refusal without confirmation, apply."""

import asyncio

from service.config import Settings
from service.store import tokens
from service.store.queries import Queries
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

    for confirm in ({}, {"confirm": "true"}):  # a plan is needed, not a yes
        refused = await api.client.patch(PATCH, params=confirm, json=TO_ONE_TO_ONE)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "confirmation_required"
        assert refused.json()["error"]["details"]["would_delete"] == 2
        assert refused.json()["error"]["details"]["plan"] == report["plan"]
    assert len(edges(graph, api.workspace, "CUSTOMER")) == 4

    applied = await api.client.patch(PATCH, params={"confirm": report["plan"]}, json=TO_ONE_TO_ONE)
    assert applied.status_code == 200, applied.text
    assert applied.json()["attribute"]["reference"]["inverse"]["cardinality"] == "one"
    assert applied.json()["deleted"] == 2 and applied.json()["prune_id"]
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
    """Writers keep linking new orders to new people (so the plan stays what was reviewed)
    while the change is applied; afterwards a second order for one person is refused."""
    await create_types(api, ORDER)
    people = [{"external_id": f"p{p}"} for p in range(4)] + \
        [{"external_id": f"q{w}-{n}"} for w in range(16) for n in range(150)]
    assert (await api.client.post("/v1/objects/Person/batch", json={"records": people})).status_code == 200
    for p in range(4):
        await orders_for(api, f"p{p}", f"{p}a", f"{p}b")
    stop = asyncio.Event()
    statuses = []

    async def writer(w):
        for n in range(150):
            if stop.is_set():
                return
            response = await api.client.post("/v1/objects/Order", json={
                "external_id": f"w{w}-{n}", "attributes": {"order_number": "N"},
                "references": {"customer": {"external_id": f"q{w}-{n}"}}})
            statuses.append(response.status_code)

    dry = (await api.client.patch(PATCH, params={"dry_run": "true"}, json=TO_ONE_TO_ONE)).json()
    assert dry["would_delete"] == 4
    writers = [asyncio.create_task(writer(w)) for w in range(16)]
    await asyncio.sleep(1.0)
    applied = await api.client.patch(PATCH, params={"confirm": dry["plan"]}, json=TO_ONE_TO_ONE)
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*writers)
    assert applied.status_code == 200, applied.text
    assert applied.json()["deleted"] == 4
    assert statuses and set(statuses) == {201}
    second = await api.client.post("/v1/objects/Order", json={
        "external_id": "late", "attributes": {"order_number": "N"},
        "references": {"customer": {"external_id": "p0"}}})
    assert second.status_code == 409
    records, _, _ = graph.execute_query(
        "MATCH (p:Person {workspace: $ws})<-[r:CUSTOMER]-() WITH p, count(r) AS c "
        "WHERE c > 1 RETURN count(p) AS violations", ws=api.workspace)
    assert records[0]["violations"] == 0


async def test_a_plan_that_no_longer_matches_changes_nothing(api, graph):
    await create_types(api, ORDER)
    await person(api, "p1")
    await orders_for(api, "p1", 1, 2)
    dry = (await api.client.patch(PATCH, params={"dry_run": "true"}, json=TO_ONE_TO_ONE)).json()
    await orders_for(api, "p1", 3)  # the change would now delete another association
    outdated = await api.client.patch(PATCH, params={"confirm": dry["plan"]}, json=TO_ONE_TO_ONE)
    assert outdated.status_code == 409 and outdated.json()["error"]["code"] == "plan_outdated"
    details = outdated.json()["error"]["details"]
    assert details["would_delete"] == 2 and details["plan"] != dry["plan"]
    assert edges(graph, api.workspace, "CUSTOMER") == {("o1", "p1"), ("o2", "p1"), ("o3", "p1")}
    person_type = (await api.client.get("/v1/types/Person")).json()
    assert next(a for a in person_type["attributes"] if a["name"] == "orders")["reference"]["cardinality"] == "many"
    applied = await api.client.patch(PATCH, params={"confirm": details["plan"]}, json=TO_ONE_TO_ONE)
    assert applied.status_code == 200 and edges(graph, api.workspace, "CUSTOMER") == {("o3", "p1")}


async def test_what_a_change_deleted_is_kept_and_comes_back_when_it_fits(api, graph):
    await create_types(api, ORDER)
    for p in ("p1", "p2"):
        await person(api, p)
    await orders_for(api, "p1", 1, 2, 3)
    await orders_for(api, "p2", 4, 5)
    before = edges(graph, api.workspace, "CUSTOMER")
    dry = (await api.client.patch(PATCH, params={"dry_run": "true"}, json=TO_ONE_TO_ONE)).json()
    admin = tokens.create(graph, "neo4j", Queries.load(Settings().cypher_dir), api.workspace, "admin")
    applied = (await api.client.patch(PATCH, params={"confirm": dry["plan"]}, json=TO_ONE_TO_ONE,
                                      headers={"Authorization": f"Bearer {admin['token']}"})).json()
    made_by, _, _ = graph.execute_query("MATCH (p:_Prune {id: $id}) RETURN p.by_token AS by", id=applied["prune_id"])
    assert made_by[0]["by"] == admin["id"]  # who made the change is kept with it
    pairs = {(a["source"]["external_id"], a["target"]["external_id"]) for a in applied["associations"]}
    assert pairs == {("o1", "p1"), ("o2", "p1"), ("o4", "p2")} == before - edges(graph, api.workspace, "CUSTOMER")

    listed = (await api.client.get("/v1/prunes")).json()
    assert [(p["id"], p["type"], p["attribute"], p["deleted"]) for p in listed["data"]] == \
        [(applied["prune_id"], "Order", "customer", 3)] and listed["next_cursor"] is None
    kept = (await api.client.get(f"/v1/prunes/{applied['prune_id']}")).json()
    assert {(a["source"]["external_id"], a["target"]["external_id"]) for a in kept["associations"]} == pairs

    # Still one-to-one: nothing fits but what an order deleted since cannot explain.
    assert (await api.client.delete(f"/v1/objects/Order/{kept['associations'][0]['source']['id']}")).status_code == 200
    refused = (await api.client.post(f"/v1/prunes/{applied['prune_id']}/restore")).json()
    assert refused["restored"] == 0
    assert sorted(s["reason"] for s in refused["skipped"]) == ["source_deleted", "target_holds_another",
                                                               "target_holds_another"]
    # Relaxed back to many, every pair whose ends exist comes back; a second restore finds them there.
    assert (await api.client.patch(PATCH, json={"reference": {"inverse": {"cardinality": "many"}}})).status_code == 200
    restored = (await api.client.post(f"/v1/prunes/{applied['prune_id']}/restore")).json()
    assert restored["restored"] == 2 and [s["reason"] for s in restored["skipped"]] == ["source_deleted"]
    assert edges(graph, api.workspace, "CUSTOMER") == before - {("o1", "p1")}
    again = (await api.client.post(f"/v1/prunes/{applied['prune_id']}/restore")).json()
    assert again["restored"] == 0 and sorted(s["reason"] for s in again["skipped"]) == ["exists", "exists",
                                                                                         "source_deleted"]


async def test_relaxing_and_restoring_brings_every_pruned_pair_back(api, graph):
    await create_types(api, ORDER)
    for p in range(5):
        await person(api, f"p{p}")
        await orders_for(api, f"p{p}", *(f"{p}-{i}" for i in range(4)))
    before = edges(graph, api.workspace, "CUSTOMER")
    dry = (await api.client.patch(PATCH, params={"dry_run": "true"}, json=TO_ONE_TO_ONE)).json()
    applied = (await api.client.patch(PATCH, params={"confirm": dry["plan"]}, json=TO_ONE_TO_ONE)).json()
    assert applied["deleted"] == 15 and len(edges(graph, api.workspace, "CUSTOMER")) == 5
    assert (await api.client.patch(PATCH, json={"reference": {"inverse": {"cardinality": "many"}}})).status_code == 200
    restored = (await api.client.post(f"/v1/prunes/{applied['prune_id']}/restore")).json()
    assert restored == {"restored": 15, "skipped": []}
    assert edges(graph, api.workspace, "CUSTOMER") == before
