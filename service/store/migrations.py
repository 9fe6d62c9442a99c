"""Versioned schema migrations: ``cypher/migrations/NNNN_name.cypher``.

Applied at start-up in version order, each once, recorded as
``(:_RefgraphMigration {scope, version, name, checksum, state})`` nodes. Two processes
starting together race to *claim* a version (a uniqueness constraint lets one win);
the loser waits until the winner marks it applied. A claim left by a process that
died is taken over once its heartbeat is ``stale_after_s`` old (the owner beats every
quarter of that while it applies, so a long migration is never applied twice at once);
statements must be idempotent (``IF NOT EXISTS``). A recorded migration whose file
has changed stops start-up.

Statements in a file are separated by ``;`` at the end of a line; each runs in its
own write transaction (Neo4j does not mix schema and data changes in one).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import ConstraintError

from service.store.database import Database

log = logging.getLogger("refgraph.migrations")
FILE_NAME = re.compile(r"(\d{4})_(\w+)\.cypher")
USES = [
    "schema_versions/ensure_constraint",
    "schema_versions/list",
    "schema_versions/claim",
    "schema_versions/take_over_stale",
    "schema_versions/mark_applied",
    "schema_versions/release",
    "schema_versions/heartbeat",
]


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    checksum: str

    @classmethod
    def from_file(cls, path: Path) -> Migration:
        match = FILE_NAME.fullmatch(path.name)
        if match is None:
            raise MigrationError(f"migration file {path.name} is not named NNNN_name.cypher")
        text = path.read_text()
        body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
        statements = tuple(s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip())
        return cls(
            version=int(match.group(1)),
            name=match.group(2),
            statements=statements,
            checksum=hashlib.sha256(text.encode()).hexdigest(),
        )


def load_migrations(directory: Path) -> list[Migration]:
    migrations = [Migration.from_file(p) for p in sorted(directory.glob("*.cypher"))]
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files in {directory} share a version number")
    return sorted(migrations, key=lambda m: m.version)


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[str]
    pending: list[str]

    @property
    def current(self) -> bool:
        return not self.pending


class Migrator:
    def __init__(
        self,
        db: Database,
        migrations: list[Migration],
        *,
        scope: str = "refgraph",
        wait_s: float = 120.0,
        stale_after_s: float = 600.0,
        poll_s: float = 0.2,
    ):
        self.db = db
        self.migrations = migrations
        self.scope = scope
        self.wait_s = wait_s
        self.stale_after_s = stale_after_s
        self.poll_s = poll_s
        self.owner = f"{uuid.uuid4()}"

    async def _recorded(self) -> dict[int, dict]:
        rows = await self.db.read_query("schema_versions/list", scope=self.scope)
        return {row["version"]: row for row in rows}

    async def ensure_bookkeeping(self) -> None:
        for attempt in range(5):  # two processes creating it at once may collide
            try:
                await self.db.write_query("schema_versions/ensure_constraint")
                return
            except Exception:
                if attempt == 4:
                    raise
                await asyncio.sleep(self.poll_s)

    async def status(self) -> MigrationStatus:
        recorded = await self._recorded()
        applied, pending = [], []
        for m in self.migrations:
            row = recorded.get(m.version)
            label = f"{m.version:04d}_{m.name}"
            (applied if row and row["state"] == "applied" else pending).append(label)
        return MigrationStatus(applied=applied, pending=pending)

    async def migrate(self) -> MigrationStatus:
        await self.ensure_bookkeeping()
        for migration in self.migrations:
            await self._apply_once(migration)
        return await self.status()

    async def _apply_once(self, migration: Migration) -> None:
        deadline = asyncio.get_running_loop().time() + self.wait_s
        while True:
            row = (await self._recorded()).get(migration.version)
            if row is None:
                if await self._claim(migration):
                    return await self._apply(migration)
            elif row["state"] == "applied":
                if row["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was applied and its "
                        "file has changed since; add a new migration instead of editing one"
                    )
                return
            elif await self._take_over_if_stale(migration):
                return await self._apply(migration)
            if asyncio.get_running_loop().time() > deadline:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} is being applied by "
                    f"another process ({row and row['owner']}) and did not finish in {self.wait_s}s"
                )
            await asyncio.sleep(self.poll_s)

    async def _claim(self, migration: Migration) -> bool:
        try:
            await self.db.write_query(
                "schema_versions/claim", scope=self.scope, version=migration.version,
                name=migration.name, checksum=migration.checksum, owner=self.owner,
            )
            return True
        except ConstraintError:
            return False

    async def _take_over_if_stale(self, migration: Migration) -> bool:
        rows = await self.db.write_query(
            "schema_versions/take_over_stale", scope=self.scope, version=migration.version,
            owner=self.owner, stale_after_s=self.stale_after_s,
        )
        return bool(rows)

    async def _heartbeat(self, migration: Migration) -> None:
        """While a migration runs: say so every quarter of the stale limit, so no other
        process takes a long migration over and applies it a second time."""
        while True:
            await asyncio.sleep(self.stale_after_s / 4)
            try:
                rows = await self.db.write_query("schema_versions/heartbeat", scope=self.scope,
                                                version=migration.version, owner=self.owner)
            except Exception as exc:  # a missed beat is not fatal; the next one may land
                log.warning("migration %04d: heartbeat failed (%s)", migration.version, exc)
                continue
            if not rows[0]["beating"]:
                log.error("migration %04d: another process took it over while this one applied it",
                          migration.version)

    async def _apply(self, migration: Migration) -> None:
        beating = asyncio.create_task(self._heartbeat(migration))
        try:
            for statement in migration.statements:
                await self.db.driver.execute_query(statement, database_=self.db.name, routing_="w")
        except BaseException:
            await self.db.write_query(
                "schema_versions/release", scope=self.scope,
                version=migration.version, owner=self.owner,
            )
            raise
        finally:
            beating.cancel()
        await self.db.write_query(
            "schema_versions/mark_applied", scope=self.scope,
            version=migration.version, owner=self.owner,
        )
