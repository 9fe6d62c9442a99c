"""The one strict check a user-supplied name passes before it becomes a label,
relationship type or property key in Cypher text."""

from __future__ import annotations

import re

from service.errors import InvalidInput

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")


def is_identifier(name: object) -> bool:
    return isinstance(name, str) and IDENTIFIER.fullmatch(name) is not None


def check_identifier(name: object, *, what: str = "name") -> str:
    """Return ``name`` if it is a valid identifier, else raise ``InvalidInput``."""
    if not is_identifier(name):
        shown = repr(name) if not isinstance(name, str) or len(name) <= 80 else repr(name[:80] + "…")
        raise InvalidInput(
            f"{what} {shown} is not a valid identifier: it must match "
            f"^[A-Za-z][A-Za-z0-9_]{{0,62}}$",
            code="invalid_identifier",
            details={"field": what},
        )
    return name
