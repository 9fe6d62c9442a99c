"""The pure rules of change events: patterns, positions, pages of the feed, and the
events a write records."""

import json
import random

import pytest

from service.domain.events import (
    Cause,
    ChangeLog,
    Position,
    matches,
    object_written,
    page_of,
    parse_patterns,
    relationships_written,
)
from service.domain.schema import AttributeDef, DataType
from service.domain.webhooks import MAX_EVENTS_PER_DELIVERY, deliverable, delivery, retry_in
from service.errors import InvalidInput


def test_patterns_match_families_and_exact_types():
    assert matches((), "object.created")
    assert matches(parse_patterns("object.*,reference.added"), "object.deleted")
    assert matches(parse_patterns("reference.added"), "reference.added")
    assert not matches(parse_patterns("reference.added"), "reference.removed")
    assert matches(parse_patterns("*"), "type.deleted")
    for bad in ("orders.*", "object", "object.created;drop", "reference.moved"):
        with pytest.raises(InvalidInput):
            parse_patterns(bad)


def test_positions_order_by_batch_then_place_and_read_back():
    assert Position(3, 0) > Position(2, 99) > Position(2, 1) > Position()
    assert Position.parse(Position(12, 4).text()) == Position(12, 4)
    assert Position.parse(None) == Position(0, -1)
    assert Position.parse(f"{2**63 - 1}.{2**63 - 1}") == Position(2**63 - 1, 2**63 - 1)
    for bad in ("x", "1", "1.2.3", "-1.0", "1.-2", f"{2**63}.0", f"0.{2**63}", " 1.0", "1.0\n", "01.0",
                "1_0.0", "\u0661.\u0660", "9" * 5000 + ".0"):
        with pytest.raises(InvalidInput, match="^after: "):
            Position.parse(bad)


def batch(seq, *types, cause=None):
    events = [{"type": t, "object": {"type": "Order", "id": f"{seq}-{i}", "external_id": None}}
              for i, t in enumerate(types)]
    return {"seq": seq, "id": f"b{seq}", "count": len(events), "occurred_at": "2026-12-01T10:00:00Z",
            "cause": json.dumps(cause or {"kind": "api"}), "events": events}


def test_a_page_starts_after_the_cursor_keeps_the_types_asked_and_moves_past_the_rest():
    batches = [batch(1, "object.created", "reference.added"), batch(2, "object.updated", "object.deleted")]
    page = page_of(batches, Position(1, 0), parse_patterns("object.*"), limit=10)
    assert [e["id"] for e in page.events] == ["b2.0", "b2.1"]
    assert page.position == Position(2, 1) and not page.full
    assert page.positions == [Position(2, 0), Position(2, 1)]
    assert page.events[0]["cause"] == {"kind": "api"} and page.events[0]["occurred_at"] == "2026-12-01T10:00:00Z"
    first = page_of(batches, Position(), (), limit=3)
    assert [e["id"] for e in first.events] == ["b1.0", "b1.1", "b2.0"] and first.full
    assert first.position == Position(2, 0)  # the next page starts after the last one given
    skipped = page_of(batches, Position(), parse_patterns("type.*"), limit=3)
    assert skipped.events == [] and skipped.position == Position(2, 1)


def test_an_update_records_only_the_values_it_changed_and_a_cause_only_when_it_differs():
    log = ChangeLog(Cause("batch", request_id="r1"))
    obj = {"type": "Order", "id": "o1", "external_id": "ord-1"}
    object_written(log, "ws", obj, created=False, before=[], props={"total": 1.0})
    object_written(log, "ws", obj, created=False, before=[["total", 1.0]], props={"total": 2.0, "n": "x"})
    object_written(log, "ws", obj, created=True, before=[], props={})
    assert [(e["type"], e.get("changes"), e.get("cause")) for e in log.events] == [
        ("object.updated", {"total": [1.0, 2.0]}, None), ("object.created", None, None)]
    with pytest.raises(AssertionError):  # one transaction, one workspace
        object_written(log, "other", obj, created=True, before=[], props={})


def test_a_relationship_is_named_from_its_source_whichever_end_was_written():
    forward = AttributeDef(type="Order", name="customer", data_type=DataType.reference, target="Person",
                           rel_type="CUSTOMER", cardinality="one", inverse_name="orders",
                           inverse_cardinality="many")
    log = ChangeLog(Cause("api"))
    ends = [["o1", "ord-1", "p1", "cust-1"], ["o1", "ord-1", "p1", "cust-1"]]
    relationships_written(log, "ws", "reference.added", forward.inverse(), ends,
                          cause=Cause("restore", "prune-1"))
    assert len(log.events) == 1  # the same relationship twice is one event
    event = log.events[0]
    assert (event["object"]["type"], event["attribute"], event["inverse"], event["target"]["type"]) == \
        ("Order", "customer", "orders", "Person")
    assert event["cause"] == {"kind": "restore", "id": "prune-1"}


def test_a_delivery_carries_one_transactions_events_and_retries_back_off_with_jitter():
    events = [{"id": f"b1.{i}"} for i in range(150)] + [{"id": "b2.0"}]
    first = deliverable(events)
    assert len(first) == MAX_EVENTS_PER_DELIVERY and first[0]["id"] == "b1.0"
    assert deliverable(events[100:]) == events[100:150]
    assert delivery(events[:1])[0] == "b1.0" and delivery(events[:3])[0] == "b1.0+2"
    assert json.loads(delivery(events[:2])[1]) == {"events": events[:2]}
    rng = random.Random(7)
    waits = [retry_in(n, rng) for n in range(1, 16)]
    assert 0.8 <= waits[0] <= 1.2 and 3.2 <= waits[2] <= 4.8
    assert all(w <= 3600 * 1.2 for w in waits) and waits[-1] >= 3600 * 0.8
    assert sum(waits[:5]) < 40  # a receiver down for 20 s is tried again within seconds of coming back
