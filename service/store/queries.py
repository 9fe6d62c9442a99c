"""Load the named Cypher queries in ``service/cypher/`` once, at start-up.

A query is the file ``service/cypher/<area>/<verb_noun>.cypher``; its name is
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

from neo4j import Query

from service.domain.identifiers import check_identifier, check_key
from service.domain.traversal import Hop, Walk

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
PATH_PLACEHOLDER = re.compile(r"\{\{path:(\w+)\}\}")
PATHS_PLACEHOLDER = re.compile(r"\{\{paths:(\w+)\}\}")
REFS_PLACEHOLDER = re.compile(r"\{\{refs:(\w+)\}\}")
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
                | set(REFS_PLACEHOLDER.findall(self.text)))

    @property
    def metadata(self) -> dict[str, str]:
        return {"query": self.name}

    def __call__(self, **identifiers: str | Walk | list[Hop]) -> str:
        """The query text, with each ``{{Name}}`` replaced by a checked identifier,
        each ``{{path:Name}}`` by the clauses of a ``Walk`` and each ``{{refs:Name}}`` by
        the map of a list of one-hop references of ``e``."""
        missing = self.placeholders - identifiers.keys()
        if missing:
            raise ValueError(f"query {self.name} needs identifiers {sorted(missing)}")
        text = PATH_PLACEHOLDER.sub(lambda m: path_pattern(identifiers[m.group(1)]), self.text)
        text = PATHS_PLACEHOLDER.sub(lambda m: paths_pattern(identifiers[m.group(1)]), text)
        text = REFS_PLACEHOLDER.sub(lambda m: refs_map(identifiers[m.group(1)]), text)
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
        lines.append(f"MATCH ({previous}){_arrow(hop)}({node}:`{label}` {{workspace: $workspace}})")  # identifier-checked
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
        lines.append(f"MATCH ({previous}){_arrow(hop)}({node}{label})")  # identifier-checked
        previous = node
    nodes = ", ".join(["n0"] + [f"n{i}" for i in range(1, len(walk.hops))] + ["e"])
    lines += [f"WITH [n IN [{nodes}] | n {{.id, .external_id}}] AS path", "LIMIT $max_paths",
              "RETURN collect(path) AS paths"]
    return "\n".join(lines)


def _arrow(hop: Hop) -> str:
    rel = f"[:`{check_identifier(hop.rel_type, what='relationship type')}`]"
    return f"-{rel}->" if hop.outgoing else f"<-{rel}-"


def refs_map(hops: list[Hop]) -> str:
    """``{`customer`: [(e)-[:`CUSTOMER`]->(t:`Person` {workspace: $workspace}) | t {.id, .external_id}]}``:
    for each hop (a reference attribute of the node ``e``), its targets' ids and external ids."""
    entries = []
    for hop in hops:
        label = check_identifier(hop.target, what="label")
        entries.append(f"`{check_identifier(hop.attribute, what='attribute')}`: "
                       f"[(e){_arrow(hop)}(t:`{label}` {{workspace: $workspace}}) | t {{.id, .external_id}}]")
    return "{" + ", ".join(entries) + "}"


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
