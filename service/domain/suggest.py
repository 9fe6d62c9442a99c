""""Did you mean": the name a person most likely meant, for an error that names a
misspelt one (``difflib``'s closeness, case ignored). Pure."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(given: str, names: Iterable[str]) -> str | None:
    """The name in ``names`` closest to ``given``, if one is close enough."""
    by_lower = {name.lower(): name for name in names}
    found = difflib.get_close_matches(given.lower(), by_lower, n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def did_you_mean(given: str, names: Iterable[str]) -> str:
    """``"; did you mean 'total'?"`` to end a message with, or nothing."""
    found = nearest(given, names)
    return f"; did you mean {found!r}?" if found else ""


def suggested(given: str, names: Iterable[str]) -> dict[str, str]:
    """An error's ``details.did_you_mean``, when a name is close; else nothing."""
    found = nearest(given, names)
    return {"did_you_mean": found} if found else {}
