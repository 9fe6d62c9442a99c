"""What a write of records did, record by record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WriteResult:
    ids: list[str]
    created: list[bool]
    # Created, or given a value or target it did not hold. A record that gives references
    # outside the one-pass ingest counts as changed (its targets are not compared).
    changed: list[bool]
