"""What a write of records did, record by record; or that what it read changed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WriteResult:
    ids: list[str]
    created: list[bool]
    # Created, or given a value or target it did not hold. A record that gives references
    # outside the one-pass ingest counts as changed (its targets are not compared).
    changed: list[bool]


class ReadChanged(Exception):
    """Something a write read changed before the write held its locks (a node it locks
    was deleted meanwhile, or rows it compared): ``run_write`` runs it again."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class SchemaChanged(ReadChanged):
    """A write's type changed (schema/lock_type) after the write read it."""

    def __init__(self, type_name: str):
        super().__init__(f"the schema of {type_name}")


class InsertRefused(Exception):
    """A uniqueness constraint refused a write that creates the objects its comparison
    found absent (``objects/insert_and_link``): another writer made one meanwhile
    (``run_write`` runs the write again, merging every row), or another object holds a
    unique value (a 409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
