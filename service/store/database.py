"""The store's handle on Neo4j: one async driver, the database name, the named queries.

Reads run in read transactions and writes in write transactions, so a cluster routes
reads to its secondaries; ``execute_write`` may run a transaction function twice, so
every write function must be safe to repeat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from neo4j import READ_ACCESS, AsyncDriver, AsyncManagedTransaction, unit_of_work

from service.store.queries import Queries

T = TypeVar("T")
Work = Callable[[AsyncManagedTransaction], Awaitable[T]]


@dataclass
class Database:
    driver: AsyncDriver
    name: str
    queries: Queries

    # Results are consumed whole inside the transaction: fetch them in one go rather
    # than in pulls of 1,000 records, each a round trip.
    async def read(self, work: Work[T], /, *args: Any) -> T:
        async with self.driver.session(database=self.name, fetch_size=-1) as session:
            return await session.execute_read(work, *args)

    async def write(self, work: Work[T], /, *args: Any) -> T:
        async with self.driver.session(database=self.name, fetch_size=-1) as session:
            return await session.execute_write(work, *args)

    async def read_rows(self, query: str, /, **params: Any) -> list[dict[str, Any]]:
        return await self.read(self._rows(query, params))

    async def write_rows(self, query: str, /, **params: Any) -> list[dict[str, Any]]:
        return await self.write(self._rows(query, params))

    def _rows(self, query: str, params: dict[str, Any]) -> Work[list[dict[str, Any]]]:
        named = self.queries[query]
        text = named()

        @unit_of_work(metadata=named.metadata)
        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            return await (await tx.run(text, params)).data()

        return work

    async def read_once(self, query: str, /, **params: Any) -> list[dict[str, Any]]:
        """One auto-commit read, no retries: for checks that must answer quickly."""
        async with self.driver.session(database=self.name, default_access_mode=READ_ACCESS) as s:
            return await (await s.run(self.queries[query].query(), params)).data()
