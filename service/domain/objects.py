"""An object as refgraph shows it: to the API, to a connector's templates and to a
selector's labels and order. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from service.domain.schema import TypeDef
from service.domain.values import parse_timestamp, to_json

TIMESTAMPS = ("external_created_at", "external_updated_at", "created_at", "updated_at")


def object_view(type_def: TypeDef, node: dict[str, Any], references: dict[str, Any]) -> dict[str, Any]:
    """A stored node with the references read for it: id, type, external_id, timestamps,
    attribute values as JSON and ``references`` as given."""
    out = {"id": node["id"], "type": type_def.name}
    out["external_id"] = node.get("external_id")
    for name in TIMESTAMPS:
        out[name] = to_json(parse_timestamp(node.get(name)))
    out["attributes"] = {
        a.name: to_json(node.get(a.name)) for a in type_def.attributes.values()
        if not a.is_reference and node.get(a.name) is not None
    }
    out["references"] = references
    return out
