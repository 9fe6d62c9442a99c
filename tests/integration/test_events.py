"""The change feed: every committed write records its events in the same transaction;
a reader that follows the cursors sees each once, in commit order."""

import asyncio

from service.domain.identifiers import relationship_type
from tests.integration.helpers import ORDER, PASSPORT, create_types, person


async def feed(api, after=None, **params):
    """Every event from ``after`` on, following the cursors; and the last cursor."""
    events = []
    while True:
        response = await api.client.get("/v1/events", params={**({"after": after} if after else {}), **params})
        assert response.status_code == 200, response.text
        body = response.json()
        events += body["data"]
        assert body["next_cursor"]  # always there: the position after the last event examined
        after = body["next_cursor"]
        if not body["has_more"]:
            return events, after


def summary(events):
    return [(e["type"], e["object"]["type"], e["object"]["external_id"], e.get("attribute"),
             (e.get("target") or {}).get("external_id")) for e in events]


async def test_writes_record_their_events_with_changes_and_cause(api):
    await create_types(api, ORDER)
    _, start = await feed(api)
    await person(api, "cust-1", email="ada@example.com")
    order = {"external_id": "o-1", "attributes": {"order_number": "N-1", "total": 10.0},
             "references": {"customer": {"external_id": "cust-1"}}}
    assert (await api.client.post("/v1/objects/Order", json=order)).status_code == 201
    order["attributes"]["total"] = 12.5
    again = await api.client.post("/v1/objects/Order", json=order, headers={"X-Request-Id": "req-42"})
    assert again.status_code == 200
    same = await api.client.post("/v1/objects/Order", json=order)  # nothing changes: no event
    assert same.status_code == 200

    events, cursor = await feed(api, start)
    assert summary(events) == [
        ("object.created", "Person", "cust-1", None, None),
        ("object.created", "Order", "o-1", None, None),
        ("reference.added", "Order", "o-1", "customer", "cust-1"),
        ("object.updated", "Order", "o-1", None, None),
    ]
    added, updated = events[2], events[3]
    assert added["inverse"] == "orders" and added["target"]["type"] == "Person"
    assert updated["changes"] == {"total": [10.0, 12.5]}
    assert updated["cause"] == {"kind": "api", "request_id": "req-42"}
    assert len({e["id"] for e in events}) == 4
    nothing, after = await feed(api, cursor)
    assert nothing == [] and after == cursor  # nothing new: the same cursor back


async def test_a_refused_write_records_nothing(api):
    await create_types(api, ORDER)
    _, start = await feed(api)
    bad = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": "o-1", "attributes": {"order_number": "N-1"}},
        {"external_id": "o-2", "attributes": {"order_number": 5}}]})
    assert bad.status_code == 422
    conflict = await api.client.post("/v1/objects/Order", json={
        "external_id": "o-3", "attributes": {"order_number": "N-3"}, "references": {"customer": {"external_id": "nobody"}}})
    assert conflict.status_code == 422
    events, _ = await feed(api, start)
    assert events == []


async def test_a_cascade_delete_records_each_object_and_reference_it_removed(api):
    await create_types(api, ORDER, PASSPORT)
    await person(api, "cust-1")
    for record in ({"external_id": "o-1", "attributes": {"order_number": "N-1"},
                    "references": {"customer": {"external_id": "cust-1"}}},):
        assert (await api.client.post("/v1/objects/Order", json=record)).status_code == 201
    passport = await api.client.post("/v1/objects/Passport", json={
        "external_id": "pp-1", "references": {"holder": {"external_id": "cust-1"}}})
    assert passport.status_code == 201
    _, start = await feed(api)
    people = (await api.client.get("/v1/objects/Person", params={"external_id": "cust-1"})).json()["data"]
    assert (await api.client.delete(f"/v1/objects/Person/{people[0]['id']}")).status_code == 200

    events, _ = await feed(api, start)
    assert set(summary(events)) == {
        ("object.deleted", "Person", "cust-1", None, None),
        ("object.deleted", "Passport", "pp-1", None, None),  # on_delete: cascade
        ("reference.removed", "Order", "o-1", "customer", "cust-1"),  # on_delete: clear
        ("reference.removed", "Passport", "pp-1", "holder", "cust-1"),
    }
    causes = {(e["type"], e["object"]["external_id"]): e["cause"]["kind"] for e in events}
    assert causes[("object.deleted", "cust-1")] == "api"
    assert causes[("object.deleted", "pp-1")] == "cascade"
    assert causes[("reference.removed", "o-1")] == "cascade"


async def test_the_feed_pages_filters_and_waits(api):
    await create_types(api, ORDER)
    _, start = await feed(api)
    batch = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": f"o-{i}", "attributes": {"order_number": f"N-{i}"}} for i in range(25)]})
    assert batch.status_code == 200
    first = (await api.client.get("/v1/events", params={"after": start, "limit": 10})).json()
    assert len(first["data"]) == 10 and first["has_more"]
    assert {e["cause"]["kind"] for e in first["data"]} == {"batch"}
    rest, _ = await feed(api, first["next_cursor"])
    assert [e["object"]["external_id"] for e in first["data"] + rest] == [f"o-{i}" for i in range(25)]

    only_refs, _ = await feed(api, start, types="reference.*")
    assert only_refs == []
    refused = await api.client.get("/v1/events", params={"types": "orders.*"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_event_types"
    bad_cursor = await api.client.get("/v1/events", params={"after": "not-a-cursor"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["error"]["code"] == "invalid_cursor"

    _, end = await feed(api, start)

    async def later():
        await asyncio.sleep(0.5)
        await api.client.post("/v1/objects/Order", json={"external_id": "late", "attributes": {"order_number": "L"}})

    writer = asyncio.create_task(later())
    waited = await api.client.get("/v1/events", params={"after": end, "wait": 5})
    await writer
    assert [e["object"]["external_id"] for e in waited.json()["data"]] == ["late"]


async def test_a_reader_can_start_at_the_end_of_the_feed(api):
    """after=now: an empty page whose cursor is the end, without paging through what the
    feed keeps; from it, and with wait=, only what happens next."""
    await create_types(api, ORDER)
    batch = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": f"o-{i}", "attributes": {"order_number": f"N-{i}"}} for i in range(30)]})
    assert batch.status_code == 200
    _, end = await feed(api)
    now = (await api.client.get("/v1/events", params={"after": "now", "limit": 1})).json()
    assert (now["data"], now["next_cursor"], now["has_more"]) == ([], end, False)

    async def later():
        await asyncio.sleep(0.5)
        await api.client.post("/v1/objects/Order", json={"external_id": "late", "attributes": {"order_number": "L"}})

    writer = asyncio.create_task(later())
    waited = await api.client.get("/v1/events", params={"after": "now", "wait": 5})
    await writer
    assert [e["object"]["external_id"] for e in waited.json()["data"]] == ["late"]
    spelled_otherwise = await api.client.get("/v1/events", params={"after": "Now"})
    assert spelled_otherwise.status_code == 422 and spelled_otherwise.json()["error"]["code"] == "invalid_cursor"


async def test_a_cardinality_prune_and_its_restore_are_reference_events(api):
    await create_types(api, ORDER)
    for p in ("p1", "p2"):
        await person(api, p)
    for n, owner in ((1, "p1"), (2, "p1"), (3, "p2")):
        response = await api.client.post("/v1/objects/Order", json={
            "external_id": f"o{n}", "attributes": {"order_number": f"N{n}"},
            "references": {"customer": {"external_id": owner}}})
        assert response.status_code == 201
    _, start = await feed(api)
    patch, one_to_one = "/v1/types/Order/attributes/customer", {"reference": {"inverse": {"cardinality": "one"}}}
    dry = (await api.client.patch(patch, params={"dry_run": "true"}, json=one_to_one)).json()
    applied = (await api.client.patch(patch, params={"confirm": dry["plan"]}, json=one_to_one)).json()
    pruned = {(a["source"]["external_id"], a["target"]["external_id"]) for a in applied["associations"]}
    events, after_prune = await feed(api, start)
    removed = [e for e in events if e["type"] == "reference.removed"]
    assert {(e["object"]["external_id"], e["target"]["external_id"]) for e in removed} == pruned == {("o1", "p1")}
    assert {e["cause"]["kind"] for e in removed} == {"cardinality_change"}
    assert {e["cause"]["id"] for e in removed} == {applied["prune_id"]}
    assert [(e["type"], e["object"]["type"], e["attribute"], e["changes"]) for e in events
            if e["type"] != "reference.removed"] == [
        ("attribute.updated", "Order", "customer", {"inverse_cardinality": ["many", "one"]}),
        ("attribute.updated", "Person", "orders", {"cardinality": ["many", "one"]})]

    relaxed = await api.client.patch(patch, json={"reference": {"inverse": {"cardinality": "many"}}})
    assert relaxed.status_code == 200
    restored = await api.client.post(f"/v1/prunes/{applied['prune_id']}/restore")
    assert restored.json()["restored"] == 1
    events, _ = await feed(api, after_prune, types="reference.*")
    assert [(e["type"], e["object"]["external_id"], e["target"]["external_id"], e["cause"]["kind"])
            for e in events] == [("reference.added", "o1", "p1", "restore")]


async def test_schema_changes_are_events(api):
    _, start = await feed(api)
    await create_types(api, ORDER)
    label = await api.client.patch("/v1/types/Order", json={"label": "Purchase"})
    assert label.status_code == 200, label.text
    described = await api.client.patch("/v1/types/Order/attributes/total", json={"description": "with tax"})
    assert described.status_code == 200, described.text
    assert (await api.client.delete("/v1/types/Order/attributes/customer")).status_code == 204
    events, _ = await feed(api, start, types="type.*,attribute.*")
    assert [(e["type"], e["object"]["type"], e.get("attribute"), e.get("changes")) for e in events] == [
        ("type.created", "Order", None, None),
        ("attribute.created", "Order", "order_number", None),
        ("attribute.created", "Order", "total", None),
        ("attribute.created", "Order", "quantity", None),
        ("attribute.created", "Order", "placed_on", None),
        ("attribute.created", "Order", "customer", None),
        ("attribute.created", "Person", "orders", None),
        ("type.updated", "Order", None, {"label": ["Order", "Purchase"]}),
        ("attribute.updated", "Order", "total", {"description": ["", "with tax"]}),
        ("attribute.deleted", "Person", "orders", None),
        ("attribute.deleted", "Order", "customer", None),
    ]


async def test_events_past_their_retention_are_purged_and_the_feed_starts_at_the_oldest_kept(api, graph):
    from service.store import events as event_store

    await create_types(api, ORDER)
    for n in range(3):
        await person(api, f"p{n}")
    graph.execute_query(  # the first two writes' batches (the type and p0) are ten days old
        "MATCH (b:_EventBatch {workspace: $ws}) WHERE b.seq <= 2 SET b.occurred_at = datetime() - duration('P10D')",
        ws=api.workspace)
    assert await event_store.purge(api.app.state.db, days=7) >= 2
    events, _ = await feed(api)
    assert [e["object"]["external_id"] for e in events if e["type"] == "object.created"] == ["p1", "p2"]
    left, _, _ = graph.execute_query("MATCH (b:_EventBatch {workspace: $ws}) RETURN min(b.seq) AS first",
                                     ws=api.workspace)
    assert left[0]["first"] == 3


async def test_a_reader_following_cursors_during_32_concurrent_writers_sees_each_committed_event_once(
        api, graph, remote):
    """Objects, batches, references, cascade deletes, PATCHes and connector runs, 32 at
    once, while a reader follows the feed: what it read equals the feed read afterwards,
    each event once, and replaying it gives exactly what the graph holds."""
    await create_types(api, ORDER, PASSPORT)
    added = await api.client.post("/v1/types/Person/attributes", json={
        "name": "order_options", "data_type": "reference", "reference": {"target": "Order", "cardinality": "many"}})
    assert added.status_code == 201
    people = [(await person(api, f"p{n}", email=f"p{n}@example.com"))["id"] for n in range(10)]
    await person(api, "cust-1", email="ada@example.com")
    for n in (8, 9):
        assert (await api.client.post("/v1/objects/Passport", json={
            "external_id": f"pp-{n}", "references": {"holder": {"external_id": f"p{n}"}}})).status_code == 201
    seeded = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": f"s-{n}", "attributes": {"order_number": f"S-{n}"},
         "references": {"customer": {"external_id": f"p{n % 10}"}}} for n in range(10)]})
    assert seeded.status_code == 200
    seeded_ids = seeded.json()["ids"]
    connector = await api.client.post("/v1/connectors", json={
        "name": "Orders", "object_type": "Order",
        "request": {"url": f"{remote.url}/orders", "query": {"email": "{{person.email}}"}},
        "response": {"records": "data.orders", "external_id": "id", "attributes": {"order_number": "number"},
                     "references": {"customer": {"external_id": "customer_id"}}},
        "update_reference": {"on": "Person", "attribute": "order_options"}})
    assert connector.status_code == 201, connector.text
    cust = (await api.client.get("/v1/objects/Person", params={"external_id": "cust-1"})).json()["data"][0]["id"]

    def writes():
        for n in range(10):
            yield "POST", "/v1/objects/Order", {"external_id": f"o-{n}", "attributes": {"order_number": f"N-{n}"},
                                                "references": {"customer": {"external_id": f"p{n % 7}"}}}
        for b in range(6):
            yield "POST", "/v1/objects/Order/batch", {"records": [
                {"external_id": f"b{b}-{n}", "attributes": {"order_number": f"B-{n}", "total": float(b)},
                 "references": {"customer": {"external_id": f"p{(b + n) % 8}"}}} for n in range(20)]}
        for n in range(6):
            yield "PUT", f"/v1/objects/Person/{people[n]}/references/order_options", {
                "targets": [{"id": seeded_ids[n]}, {"id": seeded_ids[(n + 1) % 10]}]}
        for n in (8, 9):
            yield "DELETE", f"/v1/objects/Person/{people[n]}", None
        for n in range(4):
            yield "PATCH", f"/v1/objects/Order/{seeded_ids[n]}", {"attributes": {"total": 100.0 + n}}
        for _ in range(2):
            yield "POST", f"/v1/connectors/{connector.json()['id']}/runs", {"person_id": cust}
        for n in range(2):
            yield "POST", "/v1/objects/Order", {"external_id": f"o-{n}", "attributes": {"order_number": f"M-{n}"}}

    plan = list(writes())
    assert len(plan) == 32
    done = asyncio.Event()
    live: list[dict] = []

    async def reader():
        cursor = None
        while True:
            finished = done.is_set()
            params = {"limit": 37, **({"after": cursor} if cursor else {})}
            body = (await api.client.get("/v1/events", params=params)).json()
            live.extend(body["data"])
            cursor = body["next_cursor"]
            if finished and not body["has_more"]:
                return

    async def write(method, path, body):
        response = await api.client.request(method, path, json=body)
        return response.status_code

    following = asyncio.create_task(reader())
    statuses = await asyncio.gather(*(write(*w) for w in plan))
    done.set()
    await following
    assert all(s < 500 for s in statuses), [(s, p[:2]) for s, p in zip(statuses, plan) if s >= 500]

    everything, _ = await feed(api)
    assert [e["id"] for e in live] == [e["id"] for e in everything]
    assert len({e["id"] for e in everything}) == len(everything)

    objects, references = set(), set()
    for e in everything:
        if e["type"].startswith(("type.", "attribute.")):
            continue
        obj = (e["object"]["type"], e["object"]["id"])
        if e["type"] == "object.created":
            assert obj not in objects
            objects.add(obj)
        elif e["type"] == "object.deleted":
            objects.remove(obj)
        elif e["type"] == "reference.added":
            pair = (e["object"]["id"], e["attribute"], e["target"]["id"])
            assert pair not in references
            references.add(pair)
        elif e["type"] == "reference.removed":
            references.remove((e["object"]["id"], e["attribute"], e["target"]["id"]))
    nodes, _, _ = graph.execute_query(
        "MATCH (n {workspace: $ws}) WHERE n.id IS NOT NULL AND none(l IN labels(n) WHERE l STARTS WITH '_') "
        "RETURN labels(n)[0] AS type, n.id AS id", ws=api.workspace)
    assert objects == {(r["type"], r["id"]) for r in nodes}
    rels, _, _ = graph.execute_query(
        "MATCH (s {workspace: $ws})-[r]->(t {workspace: $ws}) WHERE s.id IS NOT NULL AND t.id IS NOT NULL "
        "AND none(l IN labels(s) WHERE l STARTS WITH '_') RETURN s.id AS s, type(r) AS r, t.id AS t",
        ws=api.workspace)
    assert {(s, relationship_type(a), t) for s, a, t in references} == {(r["s"], r["r"], r["t"]) for r in rels}
    assert len(references) > 100


CRAFTED_POSITIONS = ["99999999999999999999.0", "0.99999999999999999999", "9223372036854775808.0",
                     "-1.0", "0.-2", "1", "1.2.3", "", " 1.0", "١.٠", "1_0.0", "0x10.0", "9" * 5000 + ".0"]


async def test_a_crafted_feed_position_is_a_clear_422_that_changes_nothing(api):
    """Issue 32: a position past a 64-bit integer was a 500 (OverflowError in the driver)."""
    await person(api, "p1")
    await person(api, "p2")  # the feed's end is past seq 0: a position before it is checked no further
    hook = await api.client.post("/v1/webhooks", json={"url": "https://hooks.example.com/feed"})
    assert hook.status_code == 201, hook.text
    hook = hook.json()
    for after in CRAFTED_POSITIONS:
        listed = await api.client.get("/v1/events", params={"after": after})
        assert listed.status_code == 422, (after[:40], listed.text[:300])
        assert listed.json()["error"]["code"] == "invalid_cursor"
        assert listed.json()["error"]["message"].startswith("after: ")
        replayed = await api.client.post(f"/v1/webhooks/{hook['id']}/replay", json={"after": after})
        assert replayed.status_code == 422, (after[:40], replayed.text[:300])
        assert replayed.json()["error"]["code"] == "invalid_cursor"
        assert replayed.json()["error"]["message"].startswith("after: ")
    shown = (await api.client.get(f"/v1/webhooks/{hook['id']}")).json()
    assert shown["position"] == hook["position"] and shown["updated_at"] == hook["updated_at"]
