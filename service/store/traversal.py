"""Traversal: the distinct objects at the end of a chain of references, a page at a time.

The walk is planned from the workspace's schema as this process last read it; the
traversal query returns the schema version it ran against, and on a mismatch the schema
is read again and the walk re-planned. The common case is one query.
"""

from __future__ import annotations

from typing import Any

from neo4j import AsyncManagedTransaction

from service.domain.schema_rules import require_type
from service.domain.search import Search, parse_where
from service.domain.traversal import Hop, Walk, plan_path
from service.errors import NotFound
from service.store.database import Database
from service.store.objects import ObjectStore
from service.store.queries import SearchCypher
from service.store.references import declared_properties

USES = ["objects/traverse"]
MAX_PATHS = 10  # paths returned per end object with include=paths


class TraversalStore:
    def __init__(self, db: Database, objects: ObjectStore, *, timeout_s: float = 10.0):
        self.db = db
        self.objects = objects
        self.timeout_s = timeout_s  # Neo4j stops a traversal that runs longer

    async def traverse(self, workspace: str, type_name: str, object_id: str, path: str, *,
                       where: list[str], limit: int, after: str | None,
                       with_paths: bool) -> tuple[list[dict[str, Any]], bool]:
        """A page of end objects (each with ``paths`` when asked) and whether more follow."""
        schema = self.objects.schema
        await schema.ensure_workspace(workspace)

        def plan(types):
            start = require_type(types, type_name)
            hops, hop_filters = plan_path(types, start, path)
            end = require_type(types, hops[-1].target)
            conditions = SearchCypher.of(Search(parse_where(types, end, where), ()), subject="e")
            return types, start, hops, hop_filters, end, conditions

        async def work(tx: AsyncManagedTransaction):
            async def run(planned):
                _, start, hops, hop_filters, end, filters = planned
                inline = [Hop(a.name, a.rel_type, a.direction == "out", a.target)
                          for a in end.attributes.values() if a.is_reference and a.cardinality == "one"]
                query = self.db.queries["objects/traverse"](Start=start.name, Walk=Walk(hops, with_paths),
                                                            Inline=inline, Filter=filters)
                row = await (await tx.run(query, workspace=workspace, id=object_id, after=after,
                                          **filters.params, limit=limit + 1,
                                          hop_filters=[[f.as_param() for f in fs] for fs in hop_filters],
                                          max_paths=MAX_PATHS)).single()
                return row, row["version"]

            (types, start, hops, _, end, _), row = await schema.planned(tx, workspace, plan, run)
            if not row["found"]:
                raise NotFound(f"no {start.name} with id {object_id!r}", code="unknown_object")
            page = row["page"]
            found = await self.objects.views(tx, workspace, end, [r["node"] for r in page[:limit]],
                                               fetched=[r["refs"] for r in page[:limit]])
            labels = [start.name] + [hop.target for hop in hops]
            # The attribute each step was reached by (its association's properties show on it).
            reached_by = [None] + [types[label.lower()].attribute(hop.attribute) for label, hop in zip(labels, hops)]
            for item, r in zip(found, page):
                item["paths"] = [[_step(node, label, attribute) for label, node, attribute in
                                  zip(labels, nodes, reached_by)] for nodes in r["paths"]] if with_paths else None
            return found, len(page) > limit

        return await self.db.read_limited(work, timeout=self.timeout_s, query="objects/traverse", what="traversal")


def _step(node: dict, label: str, attribute) -> dict:
    """One object of a path; after the start, with the declared properties of the
    association that reached it."""
    step = {"id": node["id"], "type": label, "external_id": node["external_id"]}
    if attribute is not None and attribute.properties:
        step["properties"] = declared_properties(attribute, node.get("properties"))
    return step
