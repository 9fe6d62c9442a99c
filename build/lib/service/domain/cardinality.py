"""Which associations a cardinality change removes: pure, so a dry run and the apply
compute the same answer from the same edges.

The rule: on a side that becomes `one`, each node keeps its most recently written
association (``written_at``, then the other end's id, both descending, so ties break
the same way every time) and loses the rest. When both sides become `one`, the
holder side is pruned first, then the target side from what is left.
"""

from __future__ import annotations

import hashlib
import json
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


def plan_token(attribute: str, *, holder_one: bool, target_one: bool, dropped: list[Edge]) -> str:
    """An opaque token for exactly this change and exactly these deletions: applying
    needs it, so what is deleted is what the admin reviewed."""
    content = json.dumps([attribute, holder_one, target_one, [[e.holder, e.target, e.rel] for e in dropped]])
    return "plan_" + hashlib.sha256(content.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Pair:
    """A pruned association, as the relationship runs: source -[rel]-> target."""
    source: str
    target: str


def plan_restore(pairs: list[Pair], *, sources: set[str], targets: set[str], current: set[Pair],
                 source_one: bool, target_one: bool) -> list[tuple[Pair, str | None]]:
    """Each pruned pair with why it cannot come back (None: it can), in the prune's
    order: both ends must still exist, the pair must not exist already, and a `one`
    side that holds an association (now, or restored earlier in this list) takes no
    other."""
    full_sources = {p.source for p in current} if source_one else set()
    full_targets = {p.target for p in current} if target_one else set()
    out: list[tuple[Pair, str | None]] = []
    for pair in pairs:
        reason = ("source_deleted" if pair.source not in sources else
                  "target_deleted" if pair.target not in targets else
                  "exists" if pair in current else
                  "source_holds_another" if pair.source in full_sources else
                  "target_holds_another" if pair.target in full_targets else None)
        if reason is None:
            current = current | {pair}
            if source_one:
                full_sources.add(pair.source)
            if target_one:
                full_targets.add(pair.target)
        out.append((pair, reason))
    return out
