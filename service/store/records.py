"""Records as plain Python values, the way ``Result.data()`` gives them (nodes as dicts,
relationships and paths as the driver exports them) but without its cost on bytes.

The driver's exporter treats a ``bytearray`` as a sequence and rebuilds it one byte at a
time, testing each against five abstract classes: under ``bench.isolation``'s long-polls,
whose feed reads return packed event batches, py-spy found the exporter at 26.6% of the
API's samples (its own time) and the class checks at 10.7%. Here bytes are a value, and
lists and maps are told by their exact type, not an ABC check.
"""

from __future__ import annotations

from typing import Any

from neo4j import AsyncResult
from neo4j.graph import Node, Path, Relationship


def plain(value: Any) -> Any:
    """``value`` as ``Record.data()`` would give it; bytes as they are."""
    kind = type(value)
    if kind is list:
        return [plain(v) for v in value]
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Node):
        return plain(dict(value))
    if isinstance(value, Relationship):
        return plain(dict(value.start_node)), kind.__name__, plain(dict(value.end_node))
    if isinstance(value, Path):
        path = [plain(value.start_node)]
        for i, relationship in enumerate(value.relationships):
            path += [type(relationship).__name__, plain(value.nodes[i + 1])]
        return path
    return value  # str, numbers, bytes, temporal and spatial values


async def rows(result: AsyncResult) -> list[dict[str, Any]]:
    """Every record of ``result`` as a dict of plain values."""
    return [{key: plain(value) for key, value in record.items()} async for record in result]
