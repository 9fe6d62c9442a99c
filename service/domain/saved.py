"""A stored definition (a connector or a selector step): its spec as it was saved, with its
id and times. The spec stays as stored, so a list shows what was saved even if a later
version would check it more strictly; a run or an update validates it (``spec_as``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Saved:
    id: str
    spec: dict[str, Any]
    created_at: Any
    updated_at: Any

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Saved:
        """A stored node's properties (``spec`` is its JSON text)."""
        return cls(id=row["id"], spec=json.loads(row["spec"]), created_at=row["created_at"],
                   updated_at=row["updated_at"])

    def spec_as(self, model: type[M]) -> M:
        return model.model_validate(self.spec)
