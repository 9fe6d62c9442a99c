"""The change feed: every committed write records its events in the same transaction;
a reader that follows the cursors sees each once, in commit order."""

import asyncio

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
