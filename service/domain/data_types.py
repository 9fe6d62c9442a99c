"""The data-type registry: everything refgraph knows about one data type, in one entry.

Each entry says how a value of that type is
- checked and converted from JSON to what is stored (``from_json``: dates and datetimes
  become Neo4j temporal values so Cypher can compare them);
- read from text: a query-string filter, a report parameter or a CSV cell
  (``from_text``, then ``from_json``: ``parse``);
- read from a connector's remote value, which is looser (``from_remote``: numbers from
  strings, dates from Unix timestamps, ...);
- compared in a traversal filter (``operators``: the operator written -> the comparison
  the query makes);
- offered as a report parameter (``report_parameter``).

Adding a data type is one ``DataType`` member in ``domain/schema.py``, one entry in
``REGISTRY`` below, and its cases in ``tests/unit/test_data_types.py``. Every place that
checks, parses or converts an attribute's value (records and batches, traversal filters,
report parameters, connectors' mapping, the CSV import) goes through ``rules_for``; the
comparison of a stored value with a written one happens in Cypher, on stored values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from service.domain.schema import DataType

MAX_STRING = 65_536
MAX_LIST = 1_000
ALL_OPERATORS = {op: op for op in ("=", "!=", "<", "<=", ">", ">=")}
EQUALITY = {"=": "=", "!=": "!="}


class ValueProblem(ValueError):
    """A value that does not fit its data type; the message says what was expected."""


@dataclass(frozen=True)
class DataTypeRules:
    data_type: DataType
    from_json: Callable[[Any], Any]
    from_text: Callable[[str], Any]
    from_remote: Callable[[Any], Any]
    operators: Mapping[str, str]
    report_parameter: bool
    filter_from_text: Callable[[str], Any] | None = None  # a filter's operand, when not ``parse``
    # enum and enum_list: ``from_json`` and the filter's operand given the allowed values
    with_options: Callable[[Sequence[str]], tuple[Callable[[Any], Any], Callable[[str], Any]]] | None = None

    def bound(self, options: Sequence[str]) -> DataTypeRules:
        """The rules for one attribute: an enum's values must be among its options."""
        if self.with_options is None:
            return self
        from_json, filter_operand = self.with_options(tuple(options))
        return replace(self, from_json=from_json, filter_from_text=filter_operand, with_options=None)

    def parse(self, text: str) -> Any:
        """Text as the value to store, or ``ValueProblem``."""
        return self.from_json(self.from_text(text))

    def from_connector(self, value: Any) -> Any:
        """A connector's value as the JSON value a client would have written (None stays None)."""
        return None if value is None else self.from_remote(value)

    def filter_operand(self, text: str) -> Any:
        """What a traversal filter ``attribute<op>text`` compares with."""
        return (self.filter_from_text or self.parse)(text)

    def operators_in_words(self) -> str:
        words = " and ".join(self.operators)
        return words + (" (the list holds the value)" if "contains" in self.operators.values() else "")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _expected(value: Any, what: str) -> ValueProblem:
    return ValueProblem(f"expected {what}, found {value!r}"[:120])


# --- string ---------------------------------------------------------------------------

def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem("expected a string")
    if len(value) > MAX_STRING:
        raise ValueProblem(f"longer than {MAX_STRING} characters")
    return value


def _string_from_remote(value: Any) -> str:
    if isinstance(value, dict | list):
        raise ValueProblem("expected text, found a structure")
    return str(value).lower() if isinstance(value, bool) else str(value)


# --- integer and float ------------------------------------------------------------------

def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueProblem("expected an integer")
    if not -(2**63) <= value < 2**63:
        raise ValueProblem("out of the 64-bit integer range")
    return value


def _integer_from_text(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _expected(text, "an integer") from None


def _integer_from_remote(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return _integer_from_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _expected(value, "an integer")


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueProblem("expected a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueProblem("out of the range of numbers")
    return number


def _float_from_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _expected(text, "a number") from None


def _float_from_remote(value: Any) -> float:
    if isinstance(value, str):
        return _float_from_text(value)
    if _is_number(value):
        return _float(value)
    raise _expected(value, "a number")


# --- boolean ----------------------------------------------------------------------------

def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueProblem("expected true or false")
    return value


def _boolean_from_text(text: str) -> bool:
    try:
        return {"true": True, "false": False}[text.lower()]
    except KeyError:
        raise _expected(text, "true or false") from None


def _boolean_from_remote(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise _expected(value, "true or false")


# --- date and datetime ------------------------------------------------------------------

def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueProblem("expected an ISO 8601 date string (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueProblem(f"{value[:40]!r} is not an ISO 8601 date") from None


def datetime_from_unix(seconds: int | float) -> dt.datetime:
    """Unix seconds as a UTC datetime, or ``ValueProblem`` when out of range."""
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueProblem(f"{seconds!r} seconds is out of the range of dates") from None


def _date_from_remote(value: Any) -> str:
    if _is_number(value):
        return datetime_from_unix(value).date().isoformat()
    if isinstance(value, str):
        return value[:10] if "T" in value else value
    raise _expected(value, "a date")


def datetime_from_json(value: Any) -> dt.datetime:
    """An ISO 8601 datetime; without a zone it is UTC."""
    if not isinstance(value, str):
        raise ValueProblem("expected an ISO 8601 datetime string")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueProblem(f"{value[:40]!r} is not an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def _datetime_from_remote(value: Any) -> str:
    if _is_number(value):
        return datetime_from_unix(value).isoformat()
    if isinstance(value, str):
        return value
    raise _expected(value, "a date")


# --- string_list ------------------------------------------------------------------------

def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueProblem("expected a list of strings")
    if len(value) > MAX_LIST:
        raise ValueProblem(f"more than {MAX_LIST} items")
    if any(len(v) > MAX_STRING for v in value):
        raise ValueProblem(f"an item is longer than {MAX_STRING} characters")
    return value


def _string_list_from_text(text: str) -> list[str]:
    """Items separated by ``|`` (a CSV cell ``vip|beta``)."""
    return [part for part in text.split("|") if part]


def _string_list_from_remote(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _text(text: str) -> str:
    return text


# --- enum and enum_list -------------------------------------------------------------------

def _one_of(allowed: Sequence[str], value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"expected one of {_listed(allowed)}")
    if value not in allowed:
        raise ValueProblem(f"{value[:60]!r} is not an option: use one of {_listed(allowed)}")
    return value


def _listed(allowed: Sequence[str]) -> str:
    shown = ", ".join(repr(v) for v in allowed[:20])
    return shown + (f" (and {len(allowed) - 20} more)" if len(allowed) > 20 else "")


def _some_of(allowed: Sequence[str], value: Any) -> list[str]:
    """An enum_list: options, each once, in the order given."""
    if not isinstance(value, list):
        raise ValueProblem(f"expected a list of options from {_listed(allowed)}")
    if len(value) > MAX_LIST:
        raise ValueProblem(f"more than {MAX_LIST} items")
    return list(dict.fromkeys(_one_of(allowed, v) for v in value))


def _enum_options(allowed: Sequence[str]):
    return partial(_one_of, allowed), partial(_one_of, allowed)


def _enum_list_options(allowed: Sequence[str]):
    return partial(_some_of, allowed), partial(_one_of, allowed)


REGISTRY: dict[DataType, DataTypeRules] = {rules.data_type: rules for rules in (
    DataTypeRules(DataType.string, _string, _text, _string_from_remote, ALL_OPERATORS, True),
    DataTypeRules(DataType.integer, _integer, _integer_from_text, _integer_from_remote, ALL_OPERATORS, True),
    DataTypeRules(DataType.float, _float, _float_from_text, _float_from_remote, ALL_OPERATORS, True),
    DataTypeRules(DataType.boolean, _boolean, _boolean_from_text, _boolean_from_remote, EQUALITY, True),
    DataTypeRules(DataType.date, _date, _text, _date_from_remote, ALL_OPERATORS, True),
    DataTypeRules(DataType.datetime, datetime_from_json, _text, _datetime_from_remote, ALL_OPERATORS, True),
    # A filter on a string list asks whether the list holds the value: `tags=vip`.
    DataTypeRules(DataType.string_list, _string_list, _string_list_from_text, _string_list_from_remote,
                  {"=": "contains"}, False, filter_from_text=_string),
    # Stored as a string (a list of strings); the options are the attribute's, so these
    # entries are ``bound`` to them first (``rules_of``). Unbound, any string passes.
    DataTypeRules(DataType.enum, _string, _text, _string_from_remote, EQUALITY, False,
                  with_options=_enum_options),
    DataTypeRules(DataType.enum_list, _string_list, _string_list_from_text, _string_list_from_remote,
                  {"=": "contains"}, False, filter_from_text=_string, with_options=_enum_list_options),
)}
REPORT_PARAMETER_TYPES = sorted(t.value for t, rules in REGISTRY.items() if rules.report_parameter)


def rules_for(data_type: DataType) -> DataTypeRules:
    """The entry for a data type that holds values (a reference holds none)."""
    try:
        return REGISTRY[data_type]
    except KeyError:
        raise ValueProblem(f"{data_type.value} values are not set here") from None


def rules_of(attribute) -> DataTypeRules:
    """The rules for one attribute (an ``AttributeDef``): its type's, bound to its options."""
    return rules_for(attribute.data_type).bound(attribute.option_values)
