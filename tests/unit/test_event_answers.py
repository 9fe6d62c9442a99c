"""The feed's page is written straight to JSON: each event as ``EventPublic`` with
``exclude_none`` would have answered it."""

from service.api.routes.events import EventPublic, _public
from service.domain.events import ref

EVENTS = [
    {"id": "b1.0", "type": "object.created", "occurred_at": "2026-12-07T10:00:00Z",
     "object": ref("Order", "o1", None), "cause": {"kind": "api", "id": None}},
    {"id": "b1.1", "type": "object.updated", "occurred_at": "2026-12-07T10:00:00Z",
     "object": ref("Order", "o1", "ext-1"), "changes": {"total": [None, 5.0], "tags": [["a"], None]},
     "cause": {"kind": "connector", "id": "c1"}},
    {"id": "b1.2", "type": "reference.added", "occurred_at": "2026-12-07T10:00:00Z",
     "object": ref("Order", "o1", None), "attribute": "customer", "inverse": None,
     "target": ref("Person", "p1", None), "properties": {"role": None}, "cause": {"kind": "api"}},
    {"id": "b1.3", "type": "schema.attribute_added", "occurred_at": "2026-12-07T10:00:00Z",
     "object": {"type": "Order", "id": None, "external_id": None}, "attribute": "note", "extra": None,
     "cause": {"kind": "api"}},
]


def test_each_event_answers_as_the_documented_model_does():
    for event in EVENTS:
        assert _public(event) == EventPublic.model_validate(event).model_dump(mode="json", exclude_none=True)
