"""Selector steps (Intercom's "Custom Object selector"): a workflow shows a customer
buttons made from the objects a Conversation's *display* attribute holds, and stores the
one they pick in its *selection* attribute. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.domain.connector_calls import RunRecord
from service.domain.connectors import ConnectorSpec
from service.domain.schema import TypeDef
from service.domain.schema_rules import require_type
from service.errors import NotFound

LABEL_FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_BUTTONS = 50


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(..., description="an attribute of the object type, or external_id")
    direction: Literal["asc", "desc"] = "asc"


class SelectorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=200)
    object_type: str
    display_attribute: str = Field(..., description="Conversation reference (many): the options")
    selection_attribute: str = Field(..., description="Conversation reference (one): the choice")
    connector_id: str | None = Field(None, description="fills the display attribute before the buttons")
    button_label: str = Field("{{external_id}}", min_length=1, max_length=500,
                              description="template over the object's attributes")
    order: Order | None = None
    max_buttons: int = Field(10, ge=1, le=MAX_BUTTONS)


def check_selector(types: dict[str, TypeDef], spec: SelectorSpec,
                   connector: ConnectorSpec | None) -> list[str]:
    """Every rule the step breaks, in words a support admin understands."""
    try:
        object_type = require_type(types, spec.object_type)
    except NotFound:
        return [f"There is no object type named {spec.object_type!r}."]
    conversation = require_type(types, "Conversation")
    problems = []
    for role, name, wanted in (("display", spec.display_attribute, "many"),
                               ("selection", spec.selection_attribute, "one")):
        attribute = conversation.attribute(name)
        if attribute is None:
            problems.append(f"The {role} attribute {name!r} is not an attribute of Conversation.")
        elif not attribute.is_reference or attribute.target != object_type.name:
            problems.append(f"The {role} attribute Conversation.{name} must reference {object_type.name}.")
        elif attribute.direction != "out":
            problems.append(f"The {role} attribute Conversation.{name} must be declared on Conversation "
                            f"(it is the other side of {attribute.target}.{attribute.inverse_name}).")
        elif attribute.cardinality != wanted:
            problems.append(
                f"The {role} attribute Conversation.{name} must be a reference to "
                f"{'many' if wanted == 'many' else 'one'} {object_type.name}"
                + (" (it holds the options shown as buttons)." if wanted == "many"
                   else " (it holds the customer's single choice)."))
    if spec.display_attribute == spec.selection_attribute:
        problems.append("The display and selection attributes must be two different attributes.")
    if connector is not None:
        update = connector.update_reference
        if update is None or update.on != "Conversation" or update.attribute != spec.display_attribute:
            problems.append(f"The connector {connector.name!r} must update Conversation."
                            f"{spec.display_attribute}, the display attribute.")
        elif connector.object_type != object_type.name:
            problems.append(f"The connector {connector.name!r} fetches {connector.object_type}, "
                            f"not {object_type.name}.")
    known = {"id", "external_id"} | {a.name for a in object_type.attributes.values() if not a.is_reference}
    for name in LABEL_FIELD.findall(spec.button_label):
        if name not in known:
            problems.append(f"The button label uses {{{{{name}}}}}, which is not an attribute of {object_type.name}.")
    if spec.order is not None and spec.order.by not in known:
        problems.append(f"The buttons cannot be ordered by {spec.order.by!r}: it is not an attribute of "
                        f"{object_type.name}.")
    return problems


def label(template: str, obj: dict[str, Any]) -> str:
    """The button's text: ``{{name}}`` from the object's attributes (empty if unset)."""
    values = {"id": obj["id"], "external_id": obj.get("external_id"), **obj["attributes"]}
    return LABEL_FIELD.sub(lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]),
                           template).strip()


def arrange(objects: list[dict[str, Any]], order: Order | None, limit: int) -> list[dict[str, Any]]:
    """A stable order: by the chosen attribute (unset last), then by id; at most ``limit``."""
    ordered = sorted(objects, key=lambda o: o["id"])
    if order is not None:
        def value(o):
            v = o.get("external_id") if order.by == "external_id" else o["attributes"].get(order.by)
            return v
        present = [o for o in ordered if value(o) is not None]
        missing = [o for o in ordered if value(o) is None]
        present.sort(key=value, reverse=order.direction == "desc")
        ordered = present + missing
    return ordered[:limit]


def keys(spec: SelectorSpec) -> dict[str, str]:
    return {"display_key": f"Conversation.{spec.display_attribute}",
            "selection_key": f"Conversation.{spec.selection_attribute}"}


@dataclass(frozen=True)
class Buttons:
    """What a selector step offers: (object, its label) in order, why there is nothing (or
    only what was there before), and the connector's run if the step has one."""
    options: list[tuple[dict[str, Any], str]]
    reason: str | None
    run: RunRecord | None


def offer(spec: SelectorSpec, objects: list[dict[str, Any]], run: RunRecord | None) -> Buttons:
    """The buttons from the objects the display attribute holds (after the run, if any)."""
    options = arrange(objects, spec.order, spec.max_buttons)
    reason = None
    if run is not None and run.status == "failed":
        reason = (f"the connector failed ({run.error_class}: {run.error_message}); "
                  + ("these are the options it found before" if options else "there are no options"))
    elif not options:
        reason = ("the connector found nothing for this conversation" if run is not None
                  else f"Conversation.{spec.display_attribute} holds no {spec.object_type} for this conversation")
    return Buttons(options=[(o, label(spec.button_label, o)) for o in options], reason=reason, run=run)
