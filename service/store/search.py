"""Search: a page of a type's objects that match a filter tree, in a sort order, with a
cursor that keeps the sort (the last object's sort values) and, when asked, the total.
The filter is checked against the schema (``domain/search.py``) and rendered to Cypher
(``queries.SearchCypher``) inside the read transaction."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from typing import Any

from service.domain.data_types import rules_for
from service.domain.schema_rules import require_type
from service.domain.search import MAX_CURSOR, Group, Search, parse_sort, parse_tree, parse_where
from service.errors import InvalidInput
from service.store.objects import ObjectStore
from service.store.queries import SearchCypher

USES = ["objects/search", "objects/count"]


@dataclass
class Found:
    objects: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None


def encode(search: Search, values: list[Any]) -> str:
    text = json.dumps({"sort": search.signature(), "after": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str | None, search: Search) -> Search:
    """The search resumed after the cursor's object; a cursor made for another sort is refused,
    and so is one longer than any search gives out (before it is decoded)."""
    if cursor is None:
        return search
    if len(cursor) > MAX_CURSOR:
        raise InvalidInput(f"cursor: longer than {MAX_CURSOR} characters, so not one this search gave out; "
                           "start again without it", code="invalid_cursor", details={"field": "cursor"})
    try:
        given = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if given["sort"] != search.signature() or len(given["after"]) != len(search.sort):
            raise ValueError
        # Each value read as its sort key's data type (dates and datetimes from their text).
        after = tuple(None if value is None else rules_for(key.data_type).from_json(value)
                      for key, value in zip(search.sort, given["after"]))
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError, OverflowError):  # RecursionError: JSON nested deeper than Python recurses
        raise InvalidInput("cursor is not one this search gave out (a cursor keeps the sort it was made "
                           "with); start again without it", code="invalid_cursor",
                           details={"field": "cursor"}) from None
    return replace(search, after=after)


class ObjectSearch:
    """Plans with the workspace's cached schema and checks its version in the search's
    own query, as traversals do: the common case is one query."""

    def __init__(self, objects: ObjectStore, *, timeout_s: float = 10.0):
        self.objects = objects
        self.db = objects.db
        self.timeout_s = timeout_s  # Neo4j stops each of a search's queries that runs longer

    async def search(self, workspace: str, type_name: str, *, where: list[str] | None = None,
                     tree: Any = None, extra: list | None = None, sort: str | None = None,
                     limit: int, cursor: str | None, count: bool) -> Found:
        """``where`` (query-string filters) or ``tree`` (a search body's), and ``extra``:
        conditions built by the route (``external_id=``, ``references.<attribute>=``)."""
        await self.objects.schema.ensure_workspace(workspace)

        def plan(types):
            return self._plan(types, type_name, where, tree, extra, sort, cursor)

        async def work(tx):
            async def run(planned):
                type_def, search = planned
                rendered = SearchCypher.of(search)
                row = await (await tx.run(self.db.queries["objects/search"](Label=type_def.name, Search=rendered),
                                          workspace=workspace, limit=limit + 1, **rendered.params)).single()
                return row, row["version"] if row is not None else None

            (type_def, search), row = await self.objects.schema.planned(tx, workspace, plan, run)
            page = row["page"] if row is not None else []
            views = await self.objects.views(tx, workspace, type_def, [r["node"] for r in page[:limit]])
            total = None
            if count:
                unpaged = SearchCypher.of(search, with_cursor=False)
                total = (await (await tx.run(self.db.queries["objects/count"](Label=type_def.name, Search=unpaged),
                                             workspace=workspace, **unpaged.params)).single())["total"]
            more = len(page) > limit
            return Found(views, encode(search, list(page[limit - 1]["sort_values"])) if more else None, total)

        return await self.db.read_limited(work, timeout=self.timeout_s, query="objects/search", what="search")

    @staticmethod
    def _plan(types, type_name, where, tree, extra, sort, cursor) -> tuple:
        type_def = require_type(types, type_name)
        node = parse_tree(types, type_def, tree) if tree is not None else parse_where(types, type_def, where or [])
        items = tuple(filter(None, [node, *(extra_condition(types, type_def) for extra_condition in extra or [])]))
        return type_def, decode(cursor, Search(Group("and", items) if items else None, parse_sort(type_def, sort)))
