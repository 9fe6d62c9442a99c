"""The types every workspace starts with: Person and Conversation, as Intercom has them."""

from __future__ import annotations

from service.domain.schema import AttributeCreate, ReferenceSpec, TypeCreate


def _attr(name: str, data_type: str, description: str, **ref) -> AttributeCreate:
    return AttributeCreate(name=name, data_type=data_type, description=description,
                           reference=ReferenceSpec(**ref) if ref else None)


BUILTINS: list[TypeCreate] = [
    TypeCreate(
        name="Person", label="Person", description="A user or lead: someone you talk to",
        attributes=[
            _attr("email", "string", "Email address"),
            _attr("name", "string", "Full name"),
            _attr("phone", "string", "Phone number"),
            _attr("role", "string", "user or lead"),
        ],
    ),
    TypeCreate(
        name="Conversation", label="Conversation", description="A conversation with a person",
        attributes=[
            _attr("title", "string", "Title"),
            _attr("state", "string", "open, closed or snoozed"),
            _attr("contact", "reference", "The person the conversation is with",
                  target="Person", cardinality="one",
                  inverse={"name": "conversations", "cardinality": "many"}),
        ],
    ),
]
