"""Which associations a cardinality change removes: pure, so a dry run and the apply
compute the same answer from the same edges.

The rule: on a side that becomes `one`, each node keeps its most recently written
association (``written_at``, then the other end's id, both descending, so ties break
the same way every time) and loses the rest. When both sides become `one`, the
holder side is pruned first, then the target side from what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Edge:
    holder: str
    target: str
    written_at: Any
    rel: str  # element id


def _prune(edges: list[Edge], key, other) -> tuple[list[Edge], list[Edge]]:
    kept, dropped, seen = [], [], set()
    for edge in sorted(edges, key=lambda e: (key(e), e.written_at, other(e)), reverse=True):
        if key(edge) in seen:
            dropped.append(edge)
        else:
            seen.add(key(edge))
            kept.append(edge)
    return kept, dropped


def plan_prune(edges: list[Edge], *, holder_one: bool, target_one: bool) -> list[Edge]:
    """The edges to delete so that every `one` side holds at most one."""
    dropped: list[Edge] = []
    if holder_one:
        edges, gone = _prune(edges, lambda e: e.holder, lambda e: e.target)
        dropped += gone
    if target_one:
        edges, gone = _prune(edges, lambda e: e.target, lambda e: e.holder)
        dropped += gone
    return sorted(dropped, key=lambda e: (e.holder, e.target))
