"""The demo dataset: a small shop's support data, the same for the same seed.

People (the built-in Person) with passports, orders with items, and conversations
whose `order_options` (reference many, a selector's display attribute) and
`selected_order` (reference one, its selection; the step "Pick an order") point at the
contact's orders. It is
a list of API requests, so ``refgraph demo`` and the tests load it the same way, through
the API; ``Demo`` also keeps the records so tests know what to expect.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

ORDER = {
    "name": "Order", "label": "Order", "description": "A purchase in the shop",
    "attributes": [
        {"name": "order_number", "data_type": "string", "required": True},
        {"name": "status", "data_type": "string"},
        {"name": "total", "data_type": "float"},
        {"name": "placed_on", "data_type": "date"},
        {"name": "customer", "data_type": "reference", "description": "who placed it",
         "reference": {"target": "Person", "cardinality": "one",
                       "inverse": {"name": "orders", "cardinality": "many"}}},
    ],
}
ITEM = {
    "name": "Item", "label": "Order item", "description": "One line of an order",
    "attributes": [
        {"name": "name", "data_type": "string", "required": True},
        {"name": "sku", "data_type": "string"},
        {"name": "quantity", "data_type": "integer"},
        {"name": "price", "data_type": "float"},
        {"name": "order", "data_type": "reference",
         "reference": {"target": "Order", "cardinality": "one", "on_delete": "cascade",
                       "inverse": {"name": "items", "cardinality": "many"}}},
    ],
}
PASSPORT = {
    "name": "Passport", "description": "An identity document",
    "attributes": [
        {"name": "number", "data_type": "string", "required": True},
        {"name": "country", "data_type": "string"},
        {"name": "expires_on", "data_type": "date"},
        {"name": "holder", "data_type": "reference",
         "reference": {"target": "Person", "cardinality": "one", "on_delete": "cascade",
                       "inverse": {"name": "passport", "cardinality": "one"}}},
    ],
}
SELECTOR = {"name": "Pick an order", "object_type": "Order", "display_attribute": "order_options",
            "selection_attribute": "selected_order", "button_label": "{{order_number}} ({{status}})",
            "order": {"by": "placed_on", "direction": "desc"}, "max_buttons": 5}
CONVERSATION_ATTRIBUTES = [
    {"name": "order_options", "label": "Order options", "data_type": "reference",
     "description": "the orders offered as buttons (a selector's display attribute)",
     "reference": {"target": "Order", "cardinality": "many"}},
    {"name": "selected_order", "label": "Selected order", "data_type": "reference",
     "description": "the order the customer picked (a selector's selection attribute)",
     "reference": {"target": "Order", "cardinality": "one"}},
]

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret",
         "Ken", "Radia", "Tim", "Sophie", "Linus", "Hedy", "Dennis", "Katherine", "Niklaus"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
        "Hamilton", "Thompson", "Perlman", "Berners-Lee", "Wilson", "Torvalds", "Lamarr"]
PRODUCTS = [("Espresso beans 1kg", "COF-1", 24.0), ("Ceramic mug", "MUG-2", 12.5),
            ("Pour-over kettle", "KET-3", 49.0), ("Grinder", "GRD-4", 129.0),
            ("Paper filters x100", "FIL-5", 6.0), ("Travel tumbler", "TUM-6", 19.9),
            ("Milk frother", "FRO-7", 35.0), ("Gift card", "GFT-8", 50.0)]
STATUSES = ["pending", "paid", "shipped", "delivered", "refunded"]
COUNTRIES = ["GB", "FR", "DE", "US", "IE", "NL", "ES"]
BATCH = 2_000


@dataclass
class Demo:
    people: list[dict[str, Any]] = field(default_factory=list)
    passports: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def objects(self) -> int:
        return sum(len(x) for x in (self.people, self.passports, self.orders, self.items,
                                    self.conversations))

    def requests(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(method, path, JSON body) in an order that satisfies every reference."""
        out: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", "/v1/types", ORDER), ("POST", "/v1/types", ITEM), ("POST", "/v1/types", PASSPORT)]
        out += [("POST", "/v1/types/Conversation/attributes", a) for a in CONVERSATION_ATTRIBUTES]
        out.append(("POST", "/v1/selectors", SELECTOR))
        for type_name, records in (("Person", self.people), ("Passport", self.passports),
                                   ("Order", self.orders), ("Item", self.items),
                                   ("Conversation", self.conversations)):
            out += [("POST", f"/v1/objects/{type_name}/batch", {"records": records[i:i + BATCH]})
                    for i in range(0, len(records), BATCH)]
        return out


def build(people: int = 500, seed: int = 7) -> Demo:
    rng = random.Random(seed)
    demo = Demo()
    order_no = 1000
    for p in range(people):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        person = f"cust-{p}"
        demo.people.append({"external_id": person, "attributes": {
            "name": f"{first} {last}", "email": f"{first}.{last}.{p}@example.com".lower(),
            "phone": f"+44 20 7946 {p:04d}", "role": "user" if p % 5 else "lead"}})
        if rng.random() < 0.7:
            expires = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650))
            demo.passports.append({"external_id": f"pass-{p}", "attributes": {
                "number": f"P{rng.randrange(10**8):08d}", "country": rng.choice(COUNTRIES),
                "expires_on": expires.isoformat()}, "references": {"holder": {"external_id": person}}})
        mine = []
        for _ in range(rng.choice([0, 1, 1, 2, 3, 3, 4, 5, 6, 8])):
            order_no += 1
            order = f"ord-{order_no}"
            mine.append(order)
            lines = [rng.choice(PRODUCTS) for _ in range(rng.randint(1, 4))]
            quantities = [rng.randint(1, 3) for _ in lines]
            placed = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 320))
            demo.orders.append({"external_id": order, "attributes": {
                "order_number": f"ORDER-{order_no}", "status": rng.choice(STATUSES),
                "total": round(sum(price * q for (_, _, price), q in zip(lines, quantities)), 2),
                "placed_on": placed.isoformat()}, "references": {"customer": {"external_id": person}}})
            for n, ((name, sku, price), quantity) in enumerate(zip(lines, quantities)):
                demo.items.append({"external_id": f"{order}-{n}", "attributes": {
                    "name": name, "sku": sku, "quantity": quantity, "price": price},
                    "references": {"order": {"external_id": order}}})
        for c in range(rng.choice([0, 1, 1, 2])):
            options = mine[-3:]
            references: dict[str, Any] = {"contact": {"external_id": person},
                                          "order_options": [{"external_id": o} for o in options]}
            if options and rng.random() < 0.5:
                references["selected_order"] = {"external_id": rng.choice(options)}
            demo.conversations.append({"external_id": f"conv-{p}-{c}", "attributes": {
                "title": rng.choice(["Where is my order?", "Refund please", "Change my address",
                                     "Damaged item", "Question about my passport"]),
                "state": rng.choice(["open", "snoozed", "closed"])}, "references": references})
    return demo


def load(client, demo: Demo, progress=lambda objects: None) -> int:
    """Send the demo's requests with an ``httpx.Client``; types and attributes that
    already exist (409) are kept, records are upserts: loading twice changes nothing.
    Returns the number of objects written."""
    written = 0
    for method, path, body in demo.requests():
        response = client.request(method, path, json=body)
        if response.status_code == 409 and "/objects/" not in path:
            continue
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        if "records" in body:
            written += len(body["records"])
            progress(written)
    return written
