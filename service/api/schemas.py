"""Response models of the schema routes, made from the store's TypeDef / AttributeDef."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, model_serializer

from service.domain.schema import WITH_OPTIONS, AttributeDef, TypeDef, properties_json


class LeavesOutNone(BaseModel):
    """A response model whose keys in ``left_out`` are left out of the JSON when they are
    None (a key added to a shape clients already parse appears only where it says something)."""
    left_out: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _leave_out(self, handler):
        out = handler(self)
        for key in self.left_out:
            if out.get(key) is None:
                out.pop(key, None)
        return out


class OptionPublic(BaseModel):
    value: str
    label: str


class InversePublic(BaseModel):
    name: str
    cardinality: str


class PropertyPublic(BaseModel):
    name: str
    data_type: str
    options: list[OptionPublic] | None = None


class LimitPublic(BaseModel):
    property: str
    value: str
    max_per_source: int | None = None
    max_per_target: int | None = None


class ReferencePublic(BaseModel):
    target: str
    cardinality: str
    on_delete: str
    inverse: InversePublic | None = None
    properties: list[PropertyPublic] = []
    limits: list[LimitPublic] = []


class AttributePublic(BaseModel):
    name: str
    label: str
    description: str
    data_type: str
    required: bool
    builtin: bool
    reference: ReferencePublic | None = None
    options: list[OptionPublic] | None = None
    unique: bool = False
    indexed: bool = False
    created_at: datetime | None = None

    @classmethod
    def of(cls, a: AttributeDef) -> AttributePublic:
        reference = None
        if a.is_reference:
            reference = ReferencePublic(
                target=a.target, cardinality=a.cardinality, on_delete=a.on_delete,
                inverse=InversePublic(name=a.inverse_name, cardinality=a.inverse_cardinality)
                if a.inverse_name else None,
                properties=properties_json(a.properties), limits=[limit.as_json() for limit in a.limits],
            )
        created = a.created_at.to_native() if hasattr(a.created_at, "to_native") else a.created_at
        return cls(name=a.name, label=a.label, description=a.description,
                   data_type=a.data_type.value, required=a.required, builtin=a.builtin,
                   reference=reference, created_at=created, unique=a.unique, indexed=a.indexed,
                   options=[OptionPublic(value=v, label=label) for v, label in a.options]
                   if a.data_type in WITH_OPTIONS else None)


class TypePublic(BaseModel):
    name: str
    label: str
    description: str
    builtin: bool
    created_at: datetime | None
    updated_at: datetime | None
    attributes: list[AttributePublic]

    @classmethod
    def of(cls, t: TypeDef) -> TypePublic:
        def native(v):
            return v.to_native() if hasattr(v, "to_native") else v

        return cls(name=t.name, label=t.label, description=t.description, builtin=t.builtin,
                   created_at=native(t.created_at), updated_at=native(t.updated_at),
                   attributes=[AttributePublic.of(a) for a in t.attributes.values()])
