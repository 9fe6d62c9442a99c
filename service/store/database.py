"""The store's handle on Neo4j: one async driver, the database name, the named queries.

Reads run in read transactions and writes in write transactions, so a cluster routes
reads to its secondaries; ``execute_write`` may run a transaction function twice, so
every write function must be safe to repeat.

``read_with_time_limit`` is for the hot read paths (traversal): each query runs as its own
auto-commit read, one round trip instead of BEGIN ... COMMIT's two, which halves a short
query's latency (1.0 against 2.1 ms p50, measured in bench/README.md). A failure the
driver would retry (a lost connection, a leader switch) runs the work again the managed
way, retries included.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncSession,
    Query,
    unit_of_work,
)
from neo4j.api import AsyncBookmarkManager
from neo4j.exceptions import ClientError, DriverError, Neo4jError

from service.errors import InvalidInput
from service.store import change_log, records
from service.store.pool_share import PoolShare
from service.store.queries import Queries

T = TypeVar("T")
Work = Callable[[AsyncManagedTransaction], Awaitable[T]]


@dataclass
class Database:
    driver: AsyncDriver
    name: str
    queries: Queries
    # Every session of this process shares one bookmark manager: on a cluster, a read
    # after a write (in one request, or the next) waits until its server has that write.
    bookmarks: AsyncBookmarkManager = field(default_factory=AsyncGraphDatabase.bookmark_manager)
    # Each workspace's most connections at once (store/pool_share.py); None: no cap.
    share: PoolShare | None = None

    @contextlib.asynccontextmanager
    async def session(self, **config: Any) -> AsyncIterator[AsyncSession]:
        """A session, once the request's workspace has a connection slot free."""
        async with (self.share.held() if self.share else contextlib.nullcontext()), \
                self.driver.session(database=self.name, bookmark_manager=self.bookmarks, **config) as session:
            yield session

    # Results are consumed whole inside the transaction: fetch them in one go rather
    # than in pulls of 1,000 records, each a round trip.
    async def read(self, work: Work[T], /, *args: Any) -> T:
        """``work`` in a managed read transaction (run again on a retryable failure)."""
        async with self.session(fetch_size=-1) as session:
            return await session.execute_read(work, *args)

    async def write(self, work: Work[T], /, *args: Any) -> T:
        """``work`` in a managed write transaction (run again on a retryable failure), with
        the change events it records appended as its last statement (store/change_log.py)."""
        appended = False  # by the attempt that committed (a retry starts again)

        @functools.wraps(work)  # keeps unit_of_work's timeout and metadata
        async def with_events(tx: AsyncManagedTransaction, *given: Any) -> T:
            nonlocal appended
            try:
                result, appended = await change_log.recorded(tx, self.queries, work, *given)
            finally:
                _let_go_of_parameters(tx)
            return result

        async with self.session(fetch_size=-1) as session:
            result = await session.execute_write(with_events, *args)
        if appended:
            change_log.committed()
        return result

    async def read_with_time_limit(self, work: Work[T], /, *, timeout: float, metadata: dict[str, Any]) -> T:
        """``work`` run with each of its queries an auto-commit read of at most ``timeout``
        seconds; on a retryable failure, run again in a managed read transaction."""
        async with self.session(fetch_size=-1, default_access_mode=READ_ACCESS) as session:
            try:
                return await work(AutoCommit(session, timeout, metadata))  # type: ignore[arg-type]
            except (DriverError, Neo4jError) as exc:
                if not exc.is_retryable() or over_memory_limit(exc):
                    raise
        return await self.read(unit_of_work(timeout=timeout, metadata=metadata)(work))

    async def read_limited(self, work: Work[T], /, *, timeout: float, query: str, what: str) -> T:
        """``read_with_time_limit``, with what stops it in Neo4j (over the time or the memory
        limit) answered in words for ``what`` (a traversal, a search): ``read_refusal``."""
        try:
            return await self.read_with_time_limit(work, timeout=timeout, metadata={"query": query})
        except Neo4jError as exc:
            refusal = read_refusal(exc, what, timeout)
            if refusal is exc:
                raise
            raise refusal from None

    async def read_query(self, query: str, /, **params: Any) -> list[dict[str, Any]]:
        """The rows of one named query, run as ``read`` runs work."""
        return await self.read(self._rows(query, params))

    async def write_query(self, query: str, /, **params: Any) -> list[dict[str, Any]]:
        """The rows of one named query, run as ``write`` runs work."""
        return await self.write(self._rows(query, params))

    async def read_page(self, query: str, key: str, /, *, limit: int, **params: Any) -> tuple[list[Any], bool]:
        """A page of a list query (``$limit`` rows, each one column ``key``): the items,
        and whether more follow (the query is asked for one row more)."""
        rows = await self.read_query(query, limit=limit + 1, **params)
        return [row[key] for row in rows[:limit]], len(rows) > limit

    def _rows(self, query: str, params: dict[str, Any]) -> Work[list[dict[str, Any]]]:
        named = self.queries[query]
        text = named()

        @unit_of_work(metadata=named.metadata)
        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            return await records.rows(await tx.run(text, params))

        return work

    async def read_without_retry(self, query: str, /, **params: Any) -> list[dict[str, Any]]:
        """One auto-commit read, no retries: for checks that must answer quickly."""
        async with self.session(default_access_mode=READ_ACCESS) as s:
            return await records.rows(await s.run(self.queries[query].query(), params))


def _let_go_of_parameters(tx: AsyncManagedTransaction) -> None:
    """The driver keeps each statement's parameters in its result and summary, and a
    transaction and its results refer to each other: only the garbage collector frees
    them, so a batch's 5,000 rows (15,000 lists and dicts) lived on until a collection
    found them, in pauses of up to 57 ms that other tenants' reads waited through
    (bench.isolation). Dropped here once the work is done (nothing reads them after).
    These are the driver's own attributes: if a later version renames them, this does
    nothing, and tests/integration/test_records.py says so."""
    for result in getattr(tx, "_results", ()):
        metadata = getattr(result, "_metadata", None)
        if isinstance(metadata, dict):
            metadata.pop("parameters", None)
        summary = getattr(result, "_summary", None)
        if summary is not None:
            summary.parameters = None


def timed_out(exc: Exception) -> bool:
    """Neo4j stopped the transaction at its time limit (a query's or transaction's timeout)."""
    return isinstance(exc, ClientError) and "TimedOut" in (exc.code or "")


def over_memory_limit(exc: Exception) -> bool:
    """Neo4j stopped the transaction at its memory limit (db.memory.transaction.max): a
    transient error by its code, but running it again would only fail again."""
    return "MemoryPoolOutOfMemoryError" in (getattr(exc, "code", None) or "")


class Bulk(list):
    """A batch's list parameter (rows, keys) whose repr is its length. The driver formats
    every RUN's parameters for its debug log even when that log is off (neo4j 6.4.1,
    ``_bolt5.py``): 15 ms for 5,000 rows, measured. It is sent exactly as a list."""

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


@dataclass
class AutoCommit:
    """Runs each query as an auto-commit transaction with a time limit: a stand-in for a
    transaction where the work only reads."""
    session: AsyncSession
    timeout: float
    metadata: dict[str, Any]

    async def run(self, query: str, parameters: dict[str, Any] | None = None, **kwparameters: Any):
        return await self.session.run(Query(query, metadata=self.metadata, timeout=self.timeout),
                                      parameters, **kwparameters)


def read_refusal(exc: Neo4jError, what: str, timeout_s: float) -> Exception:
    """What a read Neo4j stopped answers (``what``: traversal or search): over the memory
    limit (``<what>_memory``) or the time limit (``<what>_timeout``), else the error itself."""
    if over_memory_limit(exc):
        return InvalidInput(f"the {what} needed more memory than one transaction may use (Neo4j's "
                            "db.memory.transaction.max); narrow it", code=f"{what}_memory",
                            details={"limit": "db.memory.transaction.max"})
    if not timed_out(exc):
        return exc
    return InvalidInput(f"the {what} ran longer than its limit of {timeout_s:g} s; narrow it",
                        code=f"{what}_timeout", details={"limit": "REFGRAPH_TRAVERSAL_TIMEOUT_S", "value": timeout_s})
