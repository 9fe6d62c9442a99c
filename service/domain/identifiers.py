"""The one strict check a user-supplied name passes before it becomes a label,
relationship type or property key in Cypher text."""

from __future__ import annotations

import re

from service.errors import InvalidInput

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")

# Cypher's clause keywords and literals, refused as names so that a label or key never
# reads as a statement to someone writing Cypher by hand. (Names are always
# backtick-quoted, so this is for people, not safety; keywords that make natural type
# names, such as Order, Case, Key or Node, stay allowed.)
RESERVED_WORDS = frozenset(
    """
    MATCH MERGE CREATE DELETE DETACH RETURN WITH WHERE UNWIND CALL YIELD SET REMOVE
    FOREACH LOAD UNION OPTIONAL NULL TRUE FALSE AND OR NOT XOR AS IS IN DISTINCT SKIP
    LIMIT DROP
    """.split()
)


def is_identifier(name: object) -> bool:
    return (
        isinstance(name, str)
        and IDENTIFIER.fullmatch(name) is not None
        and name.upper() not in RESERVED_WORDS
    )


def check_identifier(name: object, *, what: str = "name") -> str:
    """Return ``name`` if it is a valid identifier, else raise ``InvalidInput``."""
    if not is_identifier(name):
        shown = repr(name) if not isinstance(name, str) or len(name) <= 80 else repr(name[:80] + "…")
        reserved = isinstance(name, str) and name.upper() in RESERVED_WORDS
        reason = "it is a word Cypher reserves" if reserved else (
            "use letters, digits and _, starting with a letter (at most 63 characters)")
        meant = _written_as_identifier(name) if not reserved else f"{name}_"
        raise InvalidInput(
            f"{what} {shown} is not a valid name: {reason}" + (f"; for example {meant!r}" if meant else ""),
            code="invalid_identifier",
            details={"field": what, "pattern": IDENTIFIER.pattern, **({"did_you_mean": meant} if meant else {})},
        )
    return name


def _written_as_identifier(name: object) -> str | None:
    """``name`` made a valid identifier, if a small change does it ("Passport number" ->
    "Passport_number")."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9 _.\-]*", name.strip()):
        return None
    candidate = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_")
    return candidate if candidate and is_identifier(candidate) else None


UNIQUE_PREFIX = "_u_"  # the key a unique attribute's value is copied to (AttributeDef.unique_key)


def check_key(name: object, *, what: str = "name") -> str:
    """An identifier, or one behind refgraph's own prefix for a unique attribute's copy:
    the only names that go into query text."""
    if isinstance(name, str) and name.startswith(UNIQUE_PREFIX):
        check_identifier(name[len(UNIQUE_PREFIX):], what=what)
        return name
    return check_identifier(name, what=what)


def relationship_type(attribute_name: str) -> str:
    """``customer`` -> ``CUSTOMER``, ``orderItems`` -> ``ORDER_ITEMS``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", check_identifier(attribute_name))
    return snake.upper()
