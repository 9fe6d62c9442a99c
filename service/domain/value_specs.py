"""The parts of an attribute's definition that say which values it holds: the data
types, an enum's options, and a reference's typed properties and labelled limits. Pure:
request models and their stored forms, no I/O (``domain/schema.py`` builds on them)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.domain.identifiers import check_identifier


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataType(str, Enum):
    string = "string"
    integer = "integer"
    float = "float"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"
    string_list = "string_list"
    enum = "enum"
    enum_list = "enum_list"
    reference = "reference"


WITH_OPTIONS = frozenset({DataType.enum, DataType.enum_list})
MAY_BE_UNIQUE = frozenset({DataType.string, DataType.integer, DataType.date, DataType.enum})
MAX_OPTIONS = 500


# Keys refgraph keeps on a reference's relationships: never property names.
RESERVED_PROPERTY_NAMES = frozenset({"written_at", "source_one", "target_one", "id", "type", "external_id"})


class EnumOption(_Strict):
    value: str = Field(min_length=1, max_length=100, description="What is stored and written")
    label: str | None = Field(None, max_length=200, description="What people read; editable")


def check_options(options: list[EnumOption] | None) -> list[EnumOption] | None:
    if options is not None:
        seen = [o.value for o in options]
        repeated = sorted({v for v in seen if seen.count(v) > 1})
        if repeated:
            raise ValueError(f"options: the value {repeated[0]!r} is given twice; values must be distinct")
        if not options:
            raise ValueError("options: give at least one option")
    return options


PROPERTY_TYPES = frozenset({DataType.string, DataType.integer, DataType.float, DataType.boolean, DataType.date,
                            DataType.datetime, DataType.enum})
MAX_PROPERTIES = 20


class PropertySpec(_Strict):
    """A typed property the reference's relationships carry (a role, a since date ...)."""
    name: str
    data_type: DataType
    options: list[EnumOption] | None = Field(None, max_length=MAX_OPTIONS)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        check_identifier(v, what="property name")
        if v.lower() in RESERVED_PROPERTY_NAMES:
            raise ValueError(f"property name {v!r} is reserved")
        return v

    @field_validator("options")
    @classmethod
    def _options(cls, v: list[EnumOption] | None) -> list[EnumOption] | None:
        return check_options(v)

    @model_validator(mode="after")
    def _fits(self) -> PropertySpec:
        if self.data_type not in PROPERTY_TYPES:
            raise ValueError(f"a property is one of {', '.join(sorted(t.value for t in PROPERTY_TYPES))}")
        if (self.data_type == DataType.enum) != (self.options is not None):
            raise ValueError("'options' is given exactly when the property is an enum")
        return self


class LimitSpec(_Strict):
    """At most so many relationships with one value of an enum property per source
    (the attribute's holder) and per target: one decision maker per deal."""
    property: str
    value: str = Field(min_length=1, max_length=100)
    max_per_source: int | None = Field(None, ge=1, le=1000)
    max_per_target: int | None = Field(None, ge=1, le=1000)

    @model_validator(mode="after")
    def _some_limit(self) -> LimitSpec:
        if self.max_per_source is None and self.max_per_target is None:
            raise ValueError("a limit gives max_per_source, max_per_target or both")
        return self


def check_limits(properties: list[PropertySpec], limits: list[LimitSpec]) -> None:
    enums = {p.name: {o.value for o in p.options} for p in properties if p.data_type == DataType.enum}
    seen = set()
    for limit in limits:
        if limit.property not in enums:
            raise ValueError(f"limits: {limit.property!r} is not an enum property of the reference")
        if limit.value not in enums[limit.property]:
            raise ValueError(f"limits: {limit.value!r} is not an option of {limit.property}")
        if (limit.property, limit.value) in seen:
            raise ValueError(f"limits: {limit.property}={limit.value} is limited twice")
        seen.add((limit.property, limit.value))


@dataclass(frozen=True)
class Limit:
    """At most ``max_per_source`` relationships from one source (``max_per_target`` to
    one target) whose ``property`` holds ``value``."""
    property: str
    value: str
    max_per_source: int | None = None
    max_per_target: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"property": self.property, "value": self.value, "max_per_source": self.max_per_source,
                "max_per_target": self.max_per_target}


def options_of(options: list[EnumOption] | None) -> tuple[tuple[str, str], ...]:
    return tuple((o.value, o.label or _label(o.value)) for o in options or ())


def options_props(options: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """An enum's options as the attribute node keeps them: two lists (no maps in properties)."""
    return {"options": [v for v, _ in options] or None, "option_labels": [label for _, label in options] or None}


def options_json(options: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"value": value, "label": label} for value, label in options]




def _label(value: str) -> str:
    return value.replace("_", " ").strip().capitalize() if value.islower() else value
