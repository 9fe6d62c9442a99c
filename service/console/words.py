"""How the console says things to a person: plurals and articles of labels (``inflect``),
counts, values as they read ("Yes", "7 Dec 2026, 12:15 UTC") and moments in time ("5
minutes ago", ``humanize``). Labels are the admin's own words: only the last word of one
is inflected, and its capitals are kept ("ID card" -> "ID cards", "Person" -> "People")."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import humanize
import inflect

_english = inflect.engine()
_LAST_WORD = re.compile(r"^(?P<head>.*?)(?P<word>[A-Za-z]+)(?P<tail>\W*)$", re.S)


def _recased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:  # an acronym: "URLs"
        return like + "s"
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def plural(label: str, count: int | None = None) -> str:
    """The label's plural ("Order" -> "Orders"); with ``count``, the form that count takes."""
    if count == 1:
        return label
    match = _LAST_WORD.match(label or "")
    if match is None:
        return label
    word = match["word"]
    # inflect reads a capitalised word as a proper name ("Company" -> "Companys"): ask in lower case
    return match["head"] + _recased(_english.plural_noun(word.lower()), word) + match["tail"]


def article(label: str) -> str:
    """The label with "a" or "an" ("an Order", "an ID card", "a Person")."""
    return _english.a(label) if label else label


def counted(count: int, label: str) -> str:
    """ "1 Order", "1,162 Orders"."""
    return f"{humanize.intcomma(count)} {plural(label, count)}"


def number(count: int) -> str:
    return humanize.intcomma(count)


def moment(value: str | datetime | None) -> str:
    """An instant as a person reads it: "7 Dec 2026, 12:15 UTC"."""
    instant = _instant(value)
    return "" if instant is None else f"{instant.day} {instant:%b %Y, %H:%M} UTC"


def ago(value: str | datetime | None, *, now: datetime | None = None) -> str:
    """How long ago an instant was: "5 minutes ago", "2 days ago"."""
    instant = _instant(value)
    if instant is None:
        return ""
    return humanize.naturaltime(instant, when=now or datetime.now(UTC))


def day(value: str | date | None) -> str:
    """A date as a person reads it: "7 Dec 2026"."""
    if value is None or value == "":
        return ""
    try:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{parsed.day} {parsed:%b %Y}"


def _instant(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).astimezone(UTC)
