"""The schema's nodes as the store reads and writes them: ``_Attribute`` and ``_Type``
rows to ``AttributeDef`` and ``TypeDef``, and an attribute to its node's properties."""

from __future__ import annotations

import json
from typing import Any

from service.domain.schema import (
    AttributeDef,
    DataType,
    Limit,
    TypeDef,
    options_props,
    properties_from_json,
    reference_props,
)
from service.domain.values import parse_timestamp


def attribute_from_row(row: dict[str, Any]) -> AttributeDef:
    return AttributeDef(
        type=row["type"], name=row["name"], data_type=DataType(row["data_type"]),
        label=row.get("label") or "", description=row.get("description") or "",
        required=bool(row.get("required")), builtin=bool(row.get("builtin")),
        target=row.get("target"), cardinality=row.get("cardinality") or "many",
        on_delete=row.get("on_delete") or "clear", inverse_name=row.get("inverse_name"),
        inverse_cardinality=row.get("inverse_cardinality") or "many",
        direction=row.get("direction") or "out", rel_type=row.get("rel_type"),
        created_at=parse_timestamp(row.get("created_at")),
        options=tuple(zip(row.get("options") or (), row.get("option_labels") or ())),
        unique=bool(row.get("unique")), indexed=bool(row.get("indexed")),
        properties=properties_from_json(row["name"], json.loads(row["properties"])) if row.get("properties") else (),
        limits=tuple(Limit(**limit) for limit in json.loads(row["limits"])) if row.get("limits") else (),
    )


def type_from_row(row: dict[str, Any]) -> TypeDef:
    t = row["type"]
    return TypeDef(
        name=t["name"], label=t.get("label") or t["name"], description=t.get("description") or "",
        builtin=bool(t.get("builtin")), created_at=parse_timestamp(t.get("created_at")),
        updated_at=parse_timestamp(t.get("updated_at")),
        attributes={a["name"]: attribute_from_row(a) for a in row["attributes"]}, version=t.get("version") or 0,
    )


def attribute_props(workspace: str, a: AttributeDef, position: int) -> dict[str, Any]:
    return {
        "workspace": workspace, "type": a.type, "type_key": a.type.lower(), "name": a.name,
        "key": a.name.lower(), "label": a.label, "description": a.description,
        "data_type": a.data_type.value, "required": a.required, "builtin": a.builtin,
        "target": a.target, "cardinality": a.cardinality if a.is_reference else None,
        "on_delete": a.on_delete if a.is_reference else None,
        "inverse_name": a.inverse_name, "inverse_cardinality":
            a.inverse_cardinality if a.is_reference else None,
        "direction": a.direction if a.is_reference else None, "rel_type": a.rel_type,
        "position": position, "unique": a.unique, "indexed": a.indexed, **options_props(a.options),
        **reference_props(a),
    }
