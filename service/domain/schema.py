"""Object types and attributes: the request and response models, and the schema as
the store hands it to the rules (``TypeDef`` / ``AttributeDef``).

A reference attribute is stored as a relationship ``(a:Source)-[:REL]->(b:Target)``;
its attribute on Source has ``direction="out"``, its inverse (if any) on Target has
``direction="in"``. ``cardinality`` is how many targets one holder may have, so the
forward attribute's cardinality limits the source side and the inverse's the target side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from service.domain.identifiers import (
    UNIQUE_PREFIX,
    check_identifier,
    relationship_type,
)
from service.domain.value_specs import (  # the schema's vocabulary, imported from here too
    MAX_OPTIONS,
    MAX_PROPERTIES,
    MAY_BE_UNIQUE,
    WITH_OPTIONS,
    DataType,
    EnumOption,
    Limit,
    LimitSpec,
    PropertySpec,
    _Strict,
    check_limits,
    check_options,
    options_json,
    options_of,
    options_props,  # noqa: F401
)

# Instance fields: never attribute names.
RESERVED_ATTRIBUTE_NAMES = frozenset(
    {"id", "type", "workspace", "external_id", "external_created_at", "external_updated_at",
     "created_at", "updated_at", "attributes", "references"}
)

Cardinality = Literal["one", "many"]
OnDelete = Literal["clear", "restrict", "cascade"]


class InverseSpec(_Strict):
    name: str = Field(description="The attribute on the target type that reads the reference back")
    cardinality: Cardinality = "many"
    label: str | None = None
    description: str = ""
    on_delete: OnDelete = "clear"

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_attribute_name(v)


class ReferenceSpec(_Strict):
    target: str
    cardinality: Cardinality = "many"
    on_delete: OnDelete = Field(
        "clear", description="What deleting a target does to the objects that reference it"
    )
    inverse: InverseSpec | None = None
    properties: list[PropertySpec] = Field(default_factory=list, max_length=MAX_PROPERTIES, description=(
        "Typed properties each association carries, written with it: {\"id\": ..., \"properties\": {...}}"))
    limits: list[LimitSpec] = Field(default_factory=list, max_length=MAX_PROPERTIES * 10, description=(
        "Labelled limits: at most max_per_source (max_per_target) associations holding one value of an enum "
        "property"))

    @field_validator("target")
    @classmethod
    def _target(cls, v: str) -> str:
        return check_identifier(v, what="reference.target")

    @model_validator(mode="after")
    def _properties(self) -> ReferenceSpec:
        names = [p.name for p in self.properties]
        if len(set(names)) != len(names):
            raise ValueError("properties: each name once")
        check_limits(self.properties, self.limits)
        return self


class AttributeCreate(_Strict):
    name: str
    label: str | None = None
    description: str = ""
    data_type: DataType
    required: bool = False
    reference: ReferenceSpec | None = None
    options: list[EnumOption] | None = Field(
        None, max_length=MAX_OPTIONS, description="enum and enum_list: the values allowed, in display order")
    unique: bool = Field(False, description="string, integer, date and enum: no two objects of the type "
                                            "hold one value (a database constraint)")
    indexed: bool = Field(False, description="A database index for filters and sorts on this attribute")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_attribute_name(v)

    @field_validator("options")
    @classmethod
    def _options(cls, v: list[EnumOption] | None) -> list[EnumOption] | None:
        return check_options(v)

    @model_validator(mode="after")
    def _fits_data_type(self) -> AttributeCreate:
        if (self.data_type == DataType.reference) != (self.reference is not None):
            raise ValueError("'reference' is given exactly when data_type is 'reference'")
        if (self.data_type in WITH_OPTIONS) != (self.options is not None):
            raise ValueError("'options' is given exactly when data_type is 'enum' or 'enum_list'")
        if self.unique and self.data_type not in MAY_BE_UNIQUE:
            raise ValueError(f"unique: a {self.data_type.value} attribute cannot be unique; "
                             "string, integer, date and enum can")
        if self.indexed and self.data_type == DataType.reference:
            raise ValueError("indexed: a reference is not indexed (its relationships are)")
        return self


class TypeCreate(_Strict):
    name: str
    label: str | None = None
    description: str = ""
    attributes: list[AttributeCreate] = Field(default_factory=list, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_identifier(v, what="type name")


class TypeUpdate(_Strict):
    name: str | None = Field(None, description="Immutable: only the current name is accepted")
    label: str | None = None
    description: str | None = None


class InverseUpdate(_Strict):
    name: str | None = None
    cardinality: Cardinality | None = None
    on_delete: OnDelete | None = None


class ReferenceUpdate(_Strict):
    target: str | None = None
    cardinality: Cardinality | None = None
    on_delete: OnDelete | None = None
    inverse: InverseUpdate | None = None
    limits: list[LimitSpec] | None = Field(None, max_length=MAX_PROPERTIES * 10, description=(
        "The whole new list. A limit existing associations exceed takes a dry run and its plan: applying "
        "clears the property on the excess, oldest first"))


class AttributeUpdate(_Strict):
    name: str | None = Field(None, description="Immutable: only the current name is accepted")
    label: str | None = None
    description: str | None = None
    data_type: DataType | None = Field(None, description="Immutable")
    required: bool | None = None
    reference: ReferenceUpdate | None = None
    options: list[EnumOption] | None = Field(
        None, max_length=MAX_OPTIONS,
        description="enum and enum_list: the whole new list. Removing a value objects hold takes a dry run "
                    "and its plan; option_map says what each removed value becomes")
    option_map: dict[str, str | None] | None = Field(
        None, max_length=MAX_OPTIONS,
        description="A removed value -> the option it becomes (a rename), or null to clear it")
    unique: bool | None = None
    indexed: bool | None = None

    @field_validator("options")
    @classmethod
    def _options(cls, v: list[EnumOption] | None) -> list[EnumOption] | None:
        return check_options(v)


def check_attribute_name(name: str) -> str:
    check_identifier(name, what="attribute name")
    if name.lower() in RESERVED_ATTRIBUTE_NAMES:
        from service.errors import InvalidInput

        raise InvalidInput(
            f"attribute name {name!r} is reserved for an instance field",
            code="invalid_identifier", details={"field": "attribute name"},
        )
    return name


def default_label(name: str) -> str:
    return name.replace("_", " ").strip().capitalize() if name.islower() else name


# ---- the schema as the rules see it ------------------------------------------------


@dataclass(frozen=True)
class AttributeDef:
    type: str
    name: str
    data_type: DataType
    label: str = ""
    description: str = ""
    required: bool = False
    builtin: bool = False
    target: str | None = None
    cardinality: Cardinality = "many"
    on_delete: OnDelete = "clear"
    inverse_name: str | None = None
    inverse_cardinality: Cardinality = "many"
    direction: Literal["out", "in"] = "out"
    rel_type: str | None = None
    created_at: datetime | None = None
    options: tuple[tuple[str, str], ...] = ()  # enum and enum_list: (value, label) in order
    unique: bool = False
    indexed: bool = False
    properties: tuple[AttributeDef, ...] = ()  # a reference's: typed like attributes, on its relationships
    limits: tuple[Limit, ...] = ()  # a reference's labelled limits (in the relationship's terms)

    @property
    def is_reference(self) -> bool:
        return self.data_type == DataType.reference

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.options)

    @property
    def unique_key(self) -> str:
        """The property that mirrors a unique attribute's value. The uniqueness constraint
        is on (workspace, this key) for the label, so only the workspaces whose attribute
        is unique set it: a label shared by workspaces is constrained only where asked."""
        return UNIQUE_PREFIX + self.name

    @property
    def source_type(self) -> str:
        """The label at the relationship's start node."""
        return self.type if self.direction == "out" else self.target

    @property
    def target_type(self) -> str:
        return self.target if self.direction == "out" else self.type

    @property
    def source_one(self) -> bool:
        """Each source node holds at most one relationship of this kind."""
        return (self.cardinality if self.direction == "out" else self.inverse_cardinality) == "one"

    @property
    def target_one(self) -> bool:
        return (self.inverse_cardinality if self.direction == "out" else self.cardinality) == "one"

    def inverse(self) -> AttributeDef | None:
        """The attribute on the other end, as it would be stored."""
        if self.inverse_name is None:
            return None
        return AttributeDef(
            type=self.target, name=self.inverse_name, data_type=DataType.reference,
            label=default_label(self.inverse_name), target=self.type,
            cardinality=self.inverse_cardinality, inverse_name=self.name,
            inverse_cardinality=self.cardinality,
            direction="in" if self.direction == "out" else "out", rel_type=self.rel_type,
            properties=self.properties, limits=self.limits,
        )

    def property(self, name: str) -> AttributeDef | None:
        return next((p for p in self.properties if p.name == name), None)

    def with_changes(self, **changes) -> AttributeDef:
        return replace(self, **changes)


@dataclass(frozen=True)
class TypeDef:
    name: str
    label: str
    description: str = ""
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    attributes: dict[str, AttributeDef] = field(default_factory=dict)  # by name
    version: int = 0  # moves on with each schema change that writers must not race

    def attribute(self, name: str) -> AttributeDef | None:
        return self.attributes.get(name)

    def find_case_insensitive(self, name: str) -> AttributeDef | None:
        return next((a for a in self.attributes.values() if a.name.lower() == name.lower()), None)


def attribute_from_create(type_name: str, spec: AttributeCreate, *, builtin: bool = False) -> AttributeDef:
    ref = spec.reference
    return AttributeDef(
        type=type_name, name=spec.name, data_type=spec.data_type,
        label=spec.label or default_label(spec.name), description=spec.description,
        required=spec.required, builtin=builtin,
        target=ref.target if ref else None,
        cardinality=ref.cardinality if ref else "many",
        on_delete=ref.on_delete if ref else "clear",
        inverse_name=ref.inverse.name if ref and ref.inverse else None,
        inverse_cardinality=ref.inverse.cardinality if ref and ref.inverse else "many",
        direction="out",
        rel_type=relationship_type(spec.name) if ref else None,
        options=options_of(spec.options), unique=spec.unique, indexed=spec.indexed,
        properties=tuple(property_from_spec(spec.name, p) for p in ref.properties) if ref else (),
        limits=tuple(limit_from_spec(limit) for limit in ref.limits) if ref else (),
    )


def property_from_spec(reference: str, spec: PropertySpec) -> AttributeDef:
    return AttributeDef(type=reference, name=spec.name, data_type=spec.data_type, options=options_of(spec.options))


def limit_from_spec(spec: LimitSpec) -> Limit:
    return Limit(spec.property, spec.value, spec.max_per_source, spec.max_per_target)


def properties_json(properties: tuple[AttributeDef, ...]) -> list[dict[str, Any]]:
    return [{"name": p.name, "data_type": p.data_type.value,
             **({"options": options_json(p.options)} if p.data_type in WITH_OPTIONS else {})} for p in properties]


def reference_props(a: AttributeDef) -> dict[str, Any]:
    """A reference's properties and limits as its attribute node keeps them (JSON text)."""
    return {"properties": json.dumps(properties_json(a.properties)) if a.properties else None,
            "limits": json.dumps([limit.as_json() for limit in a.limits]) if a.limits else None}


def properties_from_json(reference: str, stored: list[dict[str, Any]]) -> tuple[AttributeDef, ...]:
    return tuple(property_from_spec(reference, PropertySpec(**p)) for p in stored)


def inverse_from_create(forward: AttributeDef, spec: InverseSpec) -> AttributeDef:
    inverse = forward.inverse()
    return inverse.with_changes(
        label=spec.label or default_label(spec.name), description=spec.description,
        on_delete=spec.on_delete,
    )
