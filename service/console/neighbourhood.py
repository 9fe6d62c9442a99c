"""An object's neighbourhood as a small picture: the object in the middle, the objects its
references hold (both directions) around it, each edge named by its attribute. Pure
layout, drawn as SVG by the object page; no script."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

SIZE = 440  # the picture's width and height, in SVG units
RADIUS = 160
SHOWN = 24  # neighbours drawn; the rest are counted


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    label: str
    type: str
    href: str


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str


@dataclass(frozen=True)
class Picture:
    centre: Node
    nodes: list[Node]
    edges: list[Edge]
    hidden: int  # neighbours not drawn


def short(text: str, most: int = 16) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def href(target: dict[str, Any]) -> str:
    return f"/console/types/{target['type']}/objects/{target['id']}"


def layout(centre: dict[str, Any], type_name: str, references: dict[str, list[dict[str, Any]]]) -> Picture:
    """The picture of ``centre`` (an object) with its references' targets, by attribute."""
    middle = SIZE / 2
    pairs = [(attribute, target) for attribute, targets in sorted(references.items()) for target in targets]
    drawn = pairs[:SHOWN]
    nodes, edges = [], []
    for n, (attribute, target) in enumerate(drawn):
        angle = 2 * math.pi * n / max(len(drawn), 1) - math.pi / 2
        x, y = middle + RADIUS * math.cos(angle), middle + RADIUS * math.sin(angle)
        nodes.append(Node(round(x, 1), round(y, 1), short(target.get("external_id") or target["id"]),
                          target["type"], href(target)))
        edges.append(Edge(middle, middle, round(x, 1), round(y, 1), attribute))
    label = short(centre.get("external_id") or centre["id"])
    return Picture(Node(middle, middle, label, type_name, href({**centre, "type": type_name})), nodes, edges,
                   len(pairs) - len(drawn))
