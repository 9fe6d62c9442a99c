"""The JSON encoder the API uses (pydantic_core.to_json) against the standard library's
and orjson's, on a page of 50 objects shaped as a traversal answers: microseconds per
page, best of 5 runs of 2,000. Run by hand: ``.venv/bin/python -m bench.encoders``."""

from __future__ import annotations

import json
import timeit
import uuid

import orjson
from pydantic_core import to_json


def page(size: int = 50) -> dict:
    def item(i: int) -> dict:
        return {"id": str(uuid.uuid4()), "type": "Order", "external_id": f"order-{i}", "external_created_at": None,
                "external_updated_at": None, "created_at": "2026-12-01T17:51:48.347000Z",
                "updated_at": "2026-12-01T17:51:49.414000Z",
                "attributes": {"order_number": f"N-{i:06d}", "total": 123.45 + i, "quantity": i % 7,
                               "placed_on": "2026-11-30", "status": "shipped",
                               "note": "Leave at the door, please. " * 2},
                "references": {"customer": {"id": str(uuid.uuid4()), "type": "Person", "external_id": f"cust-{i}"},
                               "items": None},
                "paths": None}
    return {"data": [item(i) for i in range(size)], "next_cursor": "b3JkZXItNDk"}


def main() -> None:
    body = page()
    encoders = {"pydantic_core.to_json (in use)": lambda: to_json(body), "orjson.dumps": lambda: orjson.dumps(body),
                "json.dumps": lambda: json.dumps(body, separators=(",", ":")).encode()}
    for name, encode in encoders.items():
        best = min(timeit.repeat(encode, number=2000, repeat=5)) / 2000 * 1e6
        print(f"{name}: {best:.1f} µs a page of {len(body['data'])} objects ({len(encode()):,} bytes)")


if __name__ == "__main__":
    main()
