"""Values that are the same whatever the data type: stored values turned back into JSON,
and the external timestamps every object carries. What each data type accepts lives in
``domain/data_types.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from neo4j.time import Date, DateTime

from service.domain.data_types import datetime_from_json, datetime_from_unix


def timestamp_to_graph(value: Any) -> dt.datetime | None:
    """external_created_at / external_updated_at: ISO 8601 or Unix seconds."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime_from_unix(value)
    return datetime_from_json(value)


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
