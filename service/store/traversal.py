"""Traversal: the distinct objects at the end of a chain of references, a page at a time."""

from __future__ import annotations

from typing import Any

from neo4j import AsyncManagedTransaction

from service.domain.schema_rules import require_type
from service.domain.traversal import Walk, parse_filters, plan_path
from service.store.database import Database
from service.store.objects import ObjectStore
from service.store.schema import load_types

USES = ["objects/traverse"]
MAX_PATHS = 10  # paths returned per end object with include=paths


class TraversalStore:
    def __init__(self, db: Database, objects: ObjectStore):
        self.db = db
        self.objects = objects

    async def traverse(self, workspace: str, type_name: str, object_id: str, path: str, *,
                       where: list[str], limit: int, after: str | None,
                       with_paths: bool) -> tuple[list[dict[str, Any]], bool]:
        """A page of end objects (each with ``paths`` when asked) and whether more follow."""
        await self.objects.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            types = await load_types(tx, self.db, workspace)
            start = require_type(types, type_name)
            hops = plan_path(types, start, path)
            end = require_type(types, hops[-1].target)
            filters = parse_filters(end, where)
            await self.objects.exists(tx, workspace, start.name, object_id)
            query = self.db.queries["objects/traverse"](Start=start.name, Walk=Walk(hops, with_paths))
            result = await tx.run(query, workspace=workspace, id=object_id, after=after,
                                  filters=[f.as_param() for f in filters], limit=limit + 1,
                                  max_paths=MAX_PATHS)
            rows = [row async for row in result]
            found = await self.objects.present(tx, workspace, end, [r["node"] for r in rows[:limit]])
            if with_paths:
                labels = [start.name] + [hop.target for hop in hops]
                for item, row in zip(found, rows):
                    item["paths"] = [[{"type": label, **node} for label, node in zip(labels, nodes)]
                                     for nodes in row["paths"]]
            return found, len(rows) > limit

        return await self.db.read(work)
