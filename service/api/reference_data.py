"""What the API reference (service/api/reference.py) shows besides each operation's words:
what each common parameter means, and example values, one of each thing the API answers,
consistent with each other (the order's customer is the person ...)."""

from __future__ import annotations

PARAMETERS = {
    "type": "The object type's name, as created (`Order`, `Person`); matched case-insensitively.",
    "id": "The object's refgraph id (from `id` in any answer). To find one by its external id: "
          "`GET /v1/objects/{type}?external_id=`.",
    "attribute": "An attribute's name, as created.",
    "target_id": "The id of the referenced object to remove.",
    "name": "The name, as created.",
    "connector_id": "The connector's id (`GET /v1/connectors`).",
    "selector_id": "The selector step's id (`GET /v1/selectors`).",
    "conversation_id": "The conversation's refgraph id.",
    "webhook_id": "The webhook's id (`GET /v1/webhooks`).",
    "prune_id": "The prune's id (`GET /v1/prunes`, or `prune_id` in the answer of the change).",
    "limit": "Page size.",
    "cursor": "`next_cursor` of the previous page; without it, the first page.",
    "external_id": "The object's id in the business's system.",
    "after": "The feed's position: `next_cursor` of the previous answer.",
    "types": "Event types or patterns, comma-separated (`object.*,reference.added`); without it, all.",
    "wait": "Seconds to wait (up to 30) while no event is new; 0 answers at once.",
}

ORDER_ID = "0193a5b2-7c41-7d10-8a2f-3b9e51c0d7aa"
PERSON_ID = "0193a5b2-7b02-7c55-9e61-0f4d2a8b6c13"
CONVERSATION_ID = "0193a5b2-7d90-7f21-b4c8-5a7e1d3f9b20"
CONNECTOR_ID = "0193a5b3-0a11-7e4c-8d2b-6f1c9a7e3b54"
SELECTOR_ID = "0193a5b3-1b22-7a3d-9c4e-7a2d8b6f4c65"
PRUNE_ID = "0193a5b3-2c33-7b4e-8e5f-8b3e9c7a5d76"
RUN_ID = "0193a5b3-3d44-7c5f-9f60-9c4fad8b6e87"
AT = "2026-11-30T09:15:00Z"

OBJECT = {
    "id": ORDER_ID, "type": "Order", "external_id": "ord-1001",
    "external_created_at": None, "external_updated_at": None,
    "created_at": AT, "updated_at": AT,
    "attributes": {"order_number": "N-1001", "status": "shipped", "total": 42.5, "placed_on": "2026-11-28"},
    "references": {"customer": {"id": PERSON_ID, "type": "Person", "external_id": "cust-42"}},
}
ORDER_WRITE = {"external_id": "ord-1001",
               "attributes": {"order_number": "N-1001", "status": "shipped", "total": 42.5, "placed_on": "2026-11-28"},
               "references": {"customer": {"external_id": "cust-42"}}}
ATTRIBUTE = {"name": "customer", "label": "Customer", "description": "who placed it", "data_type": "reference",
             "required": False, "builtin": False, "created_at": AT,
             "reference": {"target": "Person", "cardinality": "one", "on_delete": "clear",
                           "inverse": {"name": "orders", "cardinality": "many"}}}
ATTRIBUTE_CREATE = {"name": "customer", "data_type": "reference", "description": "who placed it",
                    "reference": {"target": "Person", "cardinality": "one",
                                  "inverse": {"name": "orders", "cardinality": "many"}}}
TYPE = {"name": "Order", "label": "Order", "description": "A purchase in the shop", "builtin": False,
        "created_at": AT, "updated_at": AT,
        "attributes": [{"name": "order_number", "label": "Order number", "description": "", "data_type": "string",
                        "required": True, "builtin": False, "created_at": AT}, ATTRIBUTE]}
CONNECTOR = {
    "name": "Get order options", "description": "The customer's recent orders", "object_type": "Order",
    "request": {"method": "GET", "url": "https://shop.example.com/api/orders",
                "query": {"email": "{{person.email}}"}, "headers": {"Accept": "application/json"},
                "auth": {"type": "bearer", "secret": "shop_token"}, "timeout_s": 10},
    "response": {"records": "data.orders", "external_id": "id",
                 "attributes": {"order_number": "number", "total": "amount.value"},
                 "references": {"customer": {"external_id": "customer_id"}}},
    "update_reference": {"on": "Person", "attribute": "order_options"},
}
RUN = {"id": RUN_ID, "connector_id": CONNECTOR_ID, "status": "succeeded",
       "subject": {"type": "Person", "id": PERSON_ID}, "http_status": 200, "fetched": 3, "created": 1,
       "updated": 1, "unchanged": 1, "linked": 3, "error": None, "started_at": AT, "finished_at": AT}
SELECTOR = {"name": "Pick an order", "object_type": "Order", "display_attribute": "order_options",
            "selection_attribute": "selected_order", "connector_id": CONNECTOR_ID,
            "button_label": "{{order_number}} ({{status}})", "order": {"by": "placed_on", "direction": "desc"},
            "max_buttons": 5}
ASSOCIATION = {"source": {"id": PERSON_ID, "type": "Person", "external_id": "cust-42"},
               "target": {"id": ORDER_ID, "type": "Order", "external_id": "ord-1001"}}
PRUNE = {"id": PRUNE_ID, "type": "Person", "attribute": "favourite_order", "applied_at": AT, "deleted": 1,
         "restored_at": None, "restored": None}
REF = {"id": ORDER_ID, "type": "Order", "external_id": "ord-1001"}
INTERCOM = {"id": ORDER_ID, "type": "Order", "custom_attributes": {"order_number": "N-1001", "total": 42.5},
            "external_id": "ord-1001", "external_created_at": 1764493200, "external_updated_at": None,
            "created_at": 1764494100, "updated_at": 1764494100}
EVENT = {"id": "0193a5b4-4e55-7d60-8a71-ad5fbe9c7f98.2", "type": "object.updated", "occurred_at": AT,
         "object": {"type": "Order", "id": ORDER_ID, "external_id": "ord-1001"},
         "changes": {"total": [42.5, 45.0]}, "cause": {"kind": "api", "request_id": "8f14e45fceea167a"}}
WEBHOOK_ID = "0193a5b4-5f66-7e71-9b82-be6acfad8a09"
WEBHOOK = {"id": WEBHOOK_ID, "url": "https://hooks.example.com/refgraph", "events": ["object.*", "reference.added"],
           "description": "the warehouse mirror", "enabled": True, "disabled_reason": None, "position": "118.2",
           "failures": 0, "next_attempt_at": AT, "created_at": AT, "updated_at": AT}
DELIVERY = {"id": "0193a5b4-6a77-7f82-8c93-cf7bd0be9b1a", "delivery_id": EVENT["id"], "events": 1,
            "status": "succeeded", "http_status": 204, "latency_ms": 38.2, "error": None, "attempt": 1, "at": AT}
