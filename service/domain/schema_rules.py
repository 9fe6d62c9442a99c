"""The rules a schema change must pass, checked against the workspace's current
schema: no I/O, so the store can check them inside its write transaction."""

from __future__ import annotations

from service.domain.schema import (
    AttributeCreate,
    AttributeDef,
    TypeCreate,
    TypeDef,
    attribute_from_create,
    inverse_from_create,
)
from service.domain.suggest import did_you_mean, suggested
from service.errors import Conflict, InvalidInput, NotFound


def _find_type(types: dict[str, TypeDef], name: str) -> TypeDef | None:
    return types.get(name.lower())


def require_type(types: dict[str, TypeDef], name: str) -> TypeDef:
    """The type named ``name`` (case-insensitively), or 404."""
    found = _find_type(types, name)
    if found is None:
        names = [t.name for t in types.values()]
        raise NotFound(f"no object type named {name!r}{did_you_mean(name, names)}", code="unknown_type",
                       details={"type": name, **suggested(name, names)})
    return found


def reference_attribute(type_def: TypeDef, name: str) -> AttributeDef:
    """The reference attribute ``name`` of ``type_def``, or 422 naming it."""
    attribute = type_def.attribute(name)
    if attribute is None or not attribute.is_reference:
        references = sorted(a.name for a in type_def.attributes.values() if a.is_reference)
        raise InvalidInput(f"{type_def.name} has no reference attribute {name!r}{did_you_mean(name, references)}",
                           code="unknown_attribute",
                           details={"type": type_def.name, "attribute": name, "references": references,
                                    **suggested(name, references)})
    return attribute


def check_expand(type_def: TypeDef, expand: set[str]) -> None:
    """``expand=`` names only reference attributes of ``type_def``."""
    references = sorted(a.name for a in type_def.attributes.values() if a.is_reference)
    unknown = sorted(set(expand) - set(references))
    if unknown:
        raise InvalidInput(f"expand: {type_def.name} has no reference attribute {unknown[0]!r}"
                           f"{did_you_mean(unknown[0], references)} (it has {', '.join(references) or 'none'})",
                           code="unknown_attribute",
                           details={"unknown": unknown, "allowed": references, **suggested(unknown[0], references)})


def plan_attribute(
    types: dict[str, TypeDef], type_name: str, spec: AttributeCreate, *, max_attributes: int,
    builtin: bool = False,
) -> list[AttributeDef]:
    """The attribute definitions to store for ``spec`` on ``type_name``: the attribute
    and, for a reference with an inverse, the inverse on the target type."""
    owner = _find_type(types, type_name)
    assert owner is not None
    if owner.find_case_insensitive(spec.name):
        raise Conflict(
            f"{owner.name} already has an attribute named {owner.find_case_insensitive(spec.name).name!r}",
            code="attribute_exists", details={"type": owner.name, "attribute": spec.name},
        )
    if len(owner.attributes) >= max_attributes:
        raise InvalidInput(
            f"{owner.name} has {len(owner.attributes)} attributes, the most a type may have "
            f"(limit max_attributes_per_type = {max_attributes})",
            code="quota_exceeded", details={"limit": "max_attributes_per_type", "value": max_attributes},
        )
    forward = attribute_from_create(owner.name, spec, builtin=builtin)
    if not forward.is_reference:
        return [forward]

    target = _find_type(types, spec.reference.target)
    if target is None:
        raise InvalidInput(
            f"reference target type {spec.reference.target!r} does not exist",
            code="unknown_type", details={"target": spec.reference.target},
        )
    forward = forward.with_changes(target=target.name)
    clash = next(
        (a for a in owner.attributes.values()
         if a.is_reference and a.rel_type == forward.rel_type and a.source_type == owner.name
         and a.target_type == target.name),
        None,
    )
    if clash:
        raise Conflict(
            f"{owner.name}.{clash.name} already uses the relationship type "
            f"{forward.rel_type} to {target.name}; choose another name",
            code="attribute_exists", details={"attribute": clash.name},
        )
    if spec.reference.inverse is None:
        return [forward]

    inverse = inverse_from_create(forward, spec.reference.inverse)
    taken = target.find_case_insensitive(inverse.name)
    if taken or (target.name == owner.name and inverse.name.lower() == forward.name.lower()):
        raise Conflict(
            f"{target.name} already has an attribute named {inverse.name!r} "
            "(the inverse needs a name of its own)",
            code="attribute_exists", details={"type": target.name, "attribute": inverse.name},
        )
    if len(target.attributes) >= max_attributes and target.name != owner.name:
        raise InvalidInput(
            f"{target.name} has {len(target.attributes)} attributes, the most a type may have",
            code="quota_exceeded", details={"limit": "max_attributes_per_type", "value": max_attributes},
        )
    return [forward, inverse]


def plan_type(
    types: dict[str, TypeDef], spec: TypeCreate, *, max_types: int, max_attributes: int,
    builtin: bool = False,
) -> tuple[TypeDef, list[AttributeDef]]:
    existing = _find_type(types, spec.name)
    if existing:
        raise Conflict(
            f"a type named {existing.name!r} already exists", code="type_exists",
            details={"type": existing.name},
        )
    custom = sum(1 for t in types.values() if not t.builtin)
    if not builtin and custom >= max_types:
        raise InvalidInput(
            f"the workspace has {custom} types, the most it may have "
            f"(limit max_types_per_workspace = {max_types})",
            code="quota_exceeded", details={"limit": "max_types_per_workspace", "value": max_types},
        )
    new = TypeDef(name=spec.name, label=spec.label or spec.name, description=spec.description,
                  builtin=builtin)
    # Plan attributes against a schema that already holds the new type, so that a
    # reference may target the type itself.
    working = dict(types)
    working[spec.name.lower()] = new
    planned: list[AttributeDef] = []
    for attribute in spec.attributes:
        for definition in plan_attribute(working, spec.name, attribute,
                                         max_attributes=max_attributes, builtin=builtin):
            holder = working[definition.type.lower()]
            working[definition.type.lower()] = TypeDef(
                **{**holder.__dict__, "attributes": {**holder.attributes, definition.name: definition}}
            )
            planned.append(definition)
    return new, planned
