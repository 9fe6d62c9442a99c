"""Attribute values: checked against their data type on the way in, turned back into
JSON on the way out. Dates and datetimes are stored as Neo4j temporal values so that
Cypher can compare them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from neo4j.time import Date, DateTime

from service.domain.schema import DataType

MAX_STRING = 65_536
MAX_LIST = 1_000


class ValueProblem(ValueError):
    pass


def _datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueProblem("expected an ISO 8601 datetime string")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueProblem(f"{value[:40]!r} is not an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem("expected a string")
    if len(value) > MAX_STRING:
        raise ValueProblem(f"longer than {MAX_STRING} characters")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueProblem("expected an integer")
    if not -(2**63) <= value < 2**63:
        raise ValueProblem("out of the 64-bit integer range")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueProblem("expected a number")
    return float(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueProblem("expected true or false")
    return value


def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueProblem("expected an ISO 8601 date string (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueProblem(f"{value[:40]!r} is not an ISO 8601 date") from None


def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueProblem("expected a list of strings")
    if len(value) > MAX_LIST:
        raise ValueProblem(f"more than {MAX_LIST} items")
    if any(len(v) > MAX_STRING for v in value):
        raise ValueProblem(f"an item is longer than {MAX_STRING} characters")
    return value


# One converter per data type, looked up once per attribute (a batch checks thousands
# of values: a table costs less than matching the data type every time).
CONVERTERS: dict[DataType, Callable[[Any], Any]] = {
    DataType.string: _string, DataType.integer: _integer, DataType.float: _float,
    DataType.boolean: _boolean, DataType.date: _date, DataType.datetime: _datetime,
    DataType.string_list: _string_list,
}


def converter(data_type: DataType) -> Callable[[Any], Any]:
    """What ``to_graph`` does for one data type, given a value that is not None."""
    try:
        return CONVERTERS[data_type]
    except KeyError:
        raise ValueProblem(f"{data_type.value} values are not set here") from None


def to_graph(data_type: DataType, value: Any) -> Any:
    """The value to store, or ``ValueProblem`` saying why it does not fit."""
    return None if value is None else converter(data_type)(value)


def from_text(data_type: DataType, value: str) -> Any:
    """A query-string value as the JSON value a client would have written: numbers and
    booleans parsed, everything else left as text for ``to_graph`` to check."""
    try:
        match data_type:
            case DataType.integer:
                return int(value)
            case DataType.float:
                return float(value)
    except ValueError:
        return value
    if data_type == DataType.boolean:
        return {"true": True, "false": False}.get(value, value)
    return value


def timestamp_to_graph(value: Any) -> dt.datetime | None:
    """external_created_at / external_updated_at: ISO 8601 or Unix seconds."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
    return _datetime(value)


def parse_timestamp(value: Any) -> dt.datetime | None:
    """A stored timestamp read back as text (``toString`` in Cypher: much cheaper for
    the driver than a temporal value) or as a temporal value, as a Python datetime."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if isinstance(value, DateTime):
        return value.to_native()
    return value


def to_json(value: Any) -> Any:
    if isinstance(value, DateTime):
        value = value.to_native()
    if isinstance(value, Date):
        return value.iso_format()
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
