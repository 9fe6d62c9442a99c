"""Load the named Cypher queries in ``cypher/`` once, at start-up.

A query is the file ``cypher/<area>/<verb_noun>.cypher``; its name is
``<area>/<verb_noun>``, its leading ``//`` comment its documentation. Each query is
tagged with its name (``metadata={"query": name}``: the transaction's metadata for a
transaction function, the ``Query``'s for an auto-commit run), so it shows in
``SHOW TRANSACTIONS`` and the query log. This is the one place where a validated
identifier may be put into query text: ``{{Name}}`` placeholders are replaced by
backtick-quoted identifiers that have passed ``check_identifier``, and ``{{path:Name}}``
placeholders by one MATCH per hop of a ``Walk`` built from such identifiers, for
traversals whose length the caller chooses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neo4j import Query

from service.domain.identifiers import check_identifier, check_key
from service.domain.search import (
    LISTS,
    TEMPORAL,
    Condition,
    Group,
    Node,
    Search,
    SortKey,
)
from service.domain.traversal import Hop, Walk

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
PATH_PLACEHOLDER = re.compile(r"\{\{path:(\w+)\}\}")
PATHS_PLACEHOLDER = re.compile(r"\{\{paths:(\w+)\}\}")
REFS_PLACEHOLDER = re.compile(r"\{\{refs:(\w+)\}\}")
SEARCH_PLACEHOLDER = re.compile(r"\{\{(where|order|sort_values):(\w+)\}\}")
SKIPPED_AREAS = {"migrations", "reports"}  # loaded by their own loaders


class QueryNotFound(LookupError):
    pass


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    doc: str

    @property
    def placeholders(self) -> set[str]:
        return (set(PLACEHOLDER.findall(self.text)) | set(PATH_PLACEHOLDER.findall(self.text))
                | set(PATHS_PLACEHOLDER.findall(self.text))
                | set(REFS_PLACEHOLDER.findall(self.text))
                | {name for _, name in SEARCH_PLACEHOLDER.findall(self.text)})

    @property
    def metadata(self) -> dict[str, str]:
        return {"query": self.name}

    def __call__(self, **identifiers: str | Walk | list[Hop]) -> str:
        """The query text, with each ``{{Name}}`` replaced by a checked identifier,
        each ``{{path:Name}}`` by the clauses of a ``Walk``, each ``{{refs:Name}}`` by
        the map of a list of one-hop references of ``e``, and ``{{where:Name}}``,
        ``{{order:Name}}``, ``{{sort_values:Name}}`` by the parts of a ``SearchCypher``."""
        missing = self.placeholders - identifiers.keys()
        if missing:
            raise ValueError(f"query {self.name} needs identifiers {sorted(missing)}")
        text = PATH_PLACEHOLDER.sub(lambda m: path_pattern(identifiers[m.group(1)]), self.text)
        text = PATHS_PLACEHOLDER.sub(lambda m: paths_pattern(identifiers[m.group(1)]), text)
        text = REFS_PLACEHOLDER.sub(lambda m: refs_map(identifiers[m.group(1)]), text)
        text = SEARCH_PLACEHOLDER.sub(lambda m: getattr(identifiers[m.group(2)], m.group(1)), text)
        return PLACEHOLDER.sub(
            lambda m: f"`{check_key(identifiers[m.group(1)], what=m.group(1))}`", text)

    def query(self, **identifiers: str) -> Query:
        """For an auto-commit ``session.run``."""
        return Query(self(**identifiers), metadata=self.metadata)


def path_pattern(walk: Walk) -> str:
    """One ``MATCH`` per hop, from ``n0`` (which the query binds) to ``e``, each node in
    ``$workspace``, carrying only distinct nodes from hop to hop (and ``n0``). Separate
    MATCHes let a walk come back along a relationship it took (``order.customer.orders``
    includes the order it started from)."""
    lines, previous = [], "n0"
    for i, hop in enumerate(walk.hops, start=1):
        node = "e" if i == len(walk.hops) else f"n{i}"
        label = check_identifier(hop.target, what="label")
        arrow = _arrow(hop, f"r{i}" if hop.filtered else "")
        lines.append(f"MATCH ({previous}){arrow}({node}:`{label}` {{workspace: $workspace}})")  # identifier-checked
        if hop.filtered:
            lines.append(_hop_filter(i))
        lines.append(f"WITH DISTINCT n0, {node}")
        previous = node
    return "\n".join(lines)


def paths_pattern(walk: Walk) -> str:
    """With ``n0`` and an end node ``e`` bound: ``paths``, at most ``$max_paths`` of the
    walk's paths from one to the other (each the nodes' ids and external ids), found
    lazily, so a node reached a million ways costs ten; null when the walk keeps none."""
    if not walk.keep_paths:
        return "RETURN null AS paths"
    lines, previous = [], "n0"
    for i, hop in enumerate(walk.hops, start=1):
        node = "e" if i == len(walk.hops) else f"n{i}"
        label = "" if node == "e" else f":`{check_identifier(hop.target, what='label')}` {{workspace: $workspace}}"
        lines.append(f"MATCH ({previous}){_arrow(hop, f'r{i}')}({node}{label})")  # identifier-checked
        if hop.filtered:
            lines.append(_hop_filter(i))
        previous = node
    # Each node after the start with the properties of the association that reached it.
    steps = ", ".join(["n0 {.id, .external_id}"] + [
        f"{'e' if i == len(walk.hops) else f'n{i}'} {{.id, .external_id, properties: properties(r{i})}}"
        for i in range(1, len(walk.hops) + 1)])
    lines += [f"WITH [{steps}] AS path", "LIMIT $max_paths", "RETURN collect(path) AS paths"]
    return "\n".join(lines)


def _arrow(hop: Hop, name: str = "") -> str:
    """The hop's relationship pattern, its variable ``name`` if one is given."""
    rel = f"[{name}:`{check_identifier(hop.rel_type, what='relationship type')}`]"
    return f"-{rel}->" if hop.outgoing else f"<-{rel}-"


def _hop_filter(position: int) -> str:
    """Hop ``position``'s relationship ``r<position>`` holds each of ``$hop_filters``'s filters for it."""
    return (f"WHERE all(f IN $hop_filters[{position - 1}] WHERE CASE f.op WHEN '=' THEN r{position}[f.key] = f.value "
            f"WHEN '!=' THEN r{position}[f.key] <> f.value WHEN '<' THEN r{position}[f.key] < f.value "
            f"WHEN '<=' THEN r{position}[f.key] <= f.value WHEN '>' THEN r{position}[f.key] > f.value "
            f"WHEN '>=' THEN r{position}[f.key] >= f.value END)")


def refs_map(hops: list[Hop]) -> str:
    """``{`customer`: [(e)-[r:`CUSTOMER`]->(t:`Person` {workspace: $workspace}) | t {.id, .external_id,
    properties: properties(r)}]}``: for each hop (a reference attribute of the node ``e``), its
    targets' ids and external ids, and the associations' properties (the caller keeps the declared ones)."""
    entries = []
    for hop in hops:
        label = check_identifier(hop.target, what="label")
        entries.append(f"`{check_identifier(hop.attribute, what='attribute')}`: "
                       f"[(e){_arrow(hop, 'r')}(t:`{label}` {{workspace: $workspace}}) | t {{.id, .external_id, "
                       "properties: properties(r)}]")
    return "{" + ", ".join(entries) + "}"


@dataclass(frozen=True)
class SearchCypher:
    """A ``Search`` as query text about the node ``n`` (or ``subject``: the traversal's
    ``e``); keys and relationship types identifier-checked, every value a parameter, in
    ``params``."""
    where: str
    order: str
    sort_values: str
    params: dict[str, Any]

    @classmethod
    def of(cls, search: Search, *, with_cursor: bool = True, subject: str = "n") -> SearchCypher:
        params: dict[str, Any] = {}
        where = _node(search.where, params, subject) if search.where is not None else "true"
        if with_cursor and search.after is not None:
            where = f"({where}) AND ({_after(search, params)})"
        order = ", ".join(f"{_prop('n', k.key)}{' DESC' if k.descending else ''}" for k in search.sort)
        values = ", ".join(f"toString({_prop('n', k.key)})" if k.data_type in TEMPORAL else _prop("n", k.key)
                           for k in search.sort)
        return cls(where, order, f"[{values}]", params)


def _prop(node: str, key: str) -> str:
    return f"{node}.`{check_key(key, what='attribute')}`"


def _param(params: dict[str, Any], value: Any) -> str:
    name = f"p{len(params)}"
    params[name] = value
    return f"${name}"


def _node(node: Node, params: dict[str, Any], subject: str) -> str:
    if isinstance(node, Group):
        parts = [_node(item, params, subject) for item in node.items]
        return f"NOT ({parts[0]})" if node.kind == "not" else "(" + f" {node.kind.upper()} ".join(parts) + ")"
    if node.via is not None:
        via = node.via
        arrow = _arrow(Hop(via.name, via.rel_type, via.direction == "out", via.target),
                       "r" if node.on_relationship else "")
        label = check_identifier(via.target, what="label")
        inner = _condition(node, "r" if node.on_relationship else "m", params)
        return (f"EXISTS {{ MATCH ({subject}){arrow}(m:`{label}` {{workspace: $workspace}}) "  # identifier-checked
                f"WHERE {inner} }}")
    return _condition(node, subject, params)


def _condition(c: Condition, node: str, params: dict[str, Any]) -> str:
    prop = _prop(node, c.key)
    if c.op == "is_null":
        return f"{prop} IS {'' if c.value else 'NOT '}NULL"
    value = _param(params, c.value)
    if c.op == "!=":
        return f"({prop} IS NULL OR {prop} <> {value})"
    # Each condition is true or false, never null (an object without a value does not
    # match, and `not` of it does), in a form the planner serves from an index.
    if c.data_type in LISTS:  # =, contains: the list holds the value
        return f"({prop} IS NOT NULL AND {value} IN {prop})"
    compared = {"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "IN", "contains": "CONTAINS",
                "starts_with": "STARTS WITH"}[c.op]
    return f"({prop} IS NOT NULL AND {prop} {compared} {value})"


def _after(search: Search, params: dict[str, Any]) -> str:
    """The keyset condition: objects after the last one seen in the sort's order (Neo4j
    sorts nulls last ascending and first descending)."""
    terms = []
    for i, key in enumerate(search.sort):
        parts = [_equal(k, search.after[j], params) for j, k in enumerate(search.sort[:i])]
        parts.append(_beyond(key, search.after[i], params))
        terms.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(terms)


def _equal(key: SortKey, value: Any, params: dict[str, Any]) -> str:
    prop = _prop("n", key.key)
    return f"{prop} IS NULL" if value is None else f"{prop} = {_param(params, value)}"


def _beyond(key: SortKey, value: Any, params: dict[str, Any]) -> str:
    prop = _prop("n", key.key)
    if key.descending:
        return f"{prop} IS NOT NULL" if value is None else f"{prop} < {_param(params, value)}"
    return "false" if value is None else f"({prop} > {_param(params, value)} OR {prop} IS NULL)"


def parse_doc(text: str) -> str:
    """The leading ``//`` comment block of a Cypher file."""
    doc = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        doc.append(stripped[2:].strip())
    return "\n".join(doc).strip()


class Queries:
    def __init__(self, queries: dict[str, NamedQuery]):
        self._queries = queries

    @classmethod
    def load(cls, root: Path) -> Queries:
        if not root.is_dir():
            raise FileNotFoundError(f"Cypher directory {root} does not exist")
        queries = {}
        for path in sorted(root.rglob("*.cypher")):
            relative = path.relative_to(root)
            if relative.parts[0] in SKIPPED_AREAS:
                continue
            name = relative.with_suffix("").as_posix()
            text = path.read_text()
            queries[name] = NamedQuery(name=name, text=text, doc=parse_doc(text))
        return cls(queries)

    def __getitem__(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise QueryNotFound(f"no Cypher query named {name!r} (cypher/{name}.cypher)") from None

    def __contains__(self, name: str) -> bool:
        return name in self._queries

    def names(self) -> list[str]:
        return sorted(self._queries)
