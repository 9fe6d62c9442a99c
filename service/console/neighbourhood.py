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
LABEL = 7  # characters of a neighbour's label drawn inside its circle (the whole label is its title)
CENTRE_LABEL = 9


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    label: str  # short enough to stay inside the circle
    type: str
    href: str
    full: str  # the whole label: the node's title (shown on hover, read by screen readers)


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


def short(text: str, most: int) -> str:
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
        name = target.get("external_id") or target["id"]
        nodes.append(Node(round(x, 1), round(y, 1), short(name, LABEL), target["type"], href(target), name))
        edges.append(Edge(middle, middle, round(x, 1), round(y, 1), attribute))
    name = centre.get("external_id") or centre["id"]
    return Picture(Node(middle, middle, short(name, CENTRE_LABEL), type_name, href({**centre, "type": type_name}),
                        name), nodes, edges,
                   len(pairs) - len(drawn))
