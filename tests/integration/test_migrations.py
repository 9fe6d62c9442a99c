"""Migrations: in order, each once, recorded in the graph, safe under concurrent starts."""

import asyncio
import uuid

import pytest
from neo4j import AsyncGraphDatabase

from service.config import CYPHER
from service.store.database import Database
from service.store.migrations import MigrationError, Migrator, load_migrations
from service.store.queries import Queries

QUERIES = Queries.load(CYPHER)


@pytest.fixture
def scope(graph):
    """A migration scope of this test's own, and the marker label its migrations write."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    yield name
    graph.execute_query(
        "MATCH (m:_RefgraphMigration {scope: $scope}) DETACH DELETE m", scope=name
    )
    graph.execute_query("MATCH (n:_MigrationProbe {scope: $scope}) DETACH DELETE n", scope=name)


def write_migrations(directory, scope, count):
    directory.mkdir(exist_ok=True)
    for version in range(1, count + 1):
        # Not idempotent on purpose: a second application would show as a second node.
        (directory / f"{version:04d}_step{version}.cypher").write_text(
            f"CREATE (:_MigrationProbe {{scope: '{scope}', version: {version}}})\n"
        )
    return load_migrations(directory)


async def test_concurrent_starts_apply_each_migration_exactly_once(neo4j_target, graph, scope, tmp_path):
    migrations = write_migrations(tmp_path / "m", scope, 3)
    drivers = [
        AsyncGraphDatabase.driver(neo4j_target.uri, auth=(neo4j_target.user, neo4j_target.password))
        for _ in range(4)
    ]
    try:
        migrators = [
            Migrator(Database(d, neo4j_target.database, QUERIES), migrations, scope=scope, poll_s=0.05)
            for d in drivers
        ]
        statuses = await asyncio.gather(*(m.migrate() for m in migrators))
    finally:
        for d in drivers:
            await d.close()
    assert all(s.current for s in statuses)
    assert all(s.applied == ["0001_step1", "0002_step2", "0003_step3"] for s in statuses)
    probes, _, _ = graph.execute_query(
        "MATCH (n:_MigrationProbe {scope: $scope}) RETURN n.version AS v", scope=scope
    )
    assert sorted(r["v"] for r in probes) == [1, 2, 3]
    records, _, _ = graph.execute_query(
        "MATCH (m:_RefgraphMigration {scope: $scope}) RETURN m.version AS v, m.state AS state",
        scope=scope,
    )
    assert {(r["v"], r["state"]) for r in records} == {(1, "applied"), (2, "applied"), (3, "applied")}


async def test_a_later_start_applies_only_new_migrations_and_refuses_edited_ones(
    neo4j_target, graph, scope, tmp_path
):
    directory = tmp_path / "m"
    async with AsyncGraphDatabase.driver(
        neo4j_target.uri, auth=(neo4j_target.user, neo4j_target.password)
    ) as driver:
        db = Database(driver, neo4j_target.database, QUERIES)
        await Migrator(db, write_migrations(directory, scope, 1), scope=scope).migrate()
        status = await Migrator(db, write_migrations(directory, scope, 2), scope=scope).migrate()
        assert status.applied == ["0001_step1", "0002_step2"]
        probes, _, _ = graph.execute_query(
            "MATCH (n:_MigrationProbe {scope: $scope}) RETURN count(n) AS c", scope=scope
        )
        assert probes[0]["c"] == 2

        (directory / "0001_step1.cypher").write_text("RETURN 'edited'\n")
        with pytest.raises(MigrationError, match="has changed"):
            await Migrator(db, load_migrations(directory), scope=scope).migrate()


async def test_a_claim_left_by_a_dead_process_is_taken_over(neo4j_target, graph, scope, tmp_path):
    migrations = write_migrations(tmp_path / "m", scope, 1)
    graph.execute_query(
        "CREATE (:_RefgraphMigration {scope: $scope, version: 1, name: 'step1', checksum: $c,"
        " state: 'applying', owner: 'dead', started_at: datetime() - duration('PT1H')})",
        scope=scope, c=migrations[0].checksum,
    )
    async with AsyncGraphDatabase.driver(
        neo4j_target.uri, auth=(neo4j_target.user, neo4j_target.password)
    ) as driver:
        db = Database(driver, neo4j_target.database, QUERIES)
        status = await Migrator(db, migrations, scope=scope, stale_after_s=60).migrate()
    assert status.current
    records, _, _ = graph.execute_query(
        "MATCH (m:_RefgraphMigration {scope: $scope}) RETURN m.owner AS owner, m.state AS state",
        scope=scope,
    )
    assert [(r["owner"] != "dead", r["state"]) for r in records] == [(True, "applied")]


def test_target_one_keys_are_rewritten_once_by_source_type(graph):
    """0007: a key written before it ("<target id>") becomes "<source type>:<target id>";
    applied again (a claim taken over), it changes nothing."""
    (migration,) = [m for m in load_migrations(CYPHER / "migrations") if m.version == 7]
    ws = f"mig_{uuid.uuid4().hex[:8]}"
    graph.execute_query("CREATE (:MigCar {workspace: $ws, id: 'c1'})-[:MIG_OWNER {target_one: 'p1'}]->"
                        "(:MigPerson {workspace: $ws, id: 'p1'})", ws=ws)
    for _ in range(2):
        for statement in migration.statements:
            graph.execute_query(statement)
        keys = graph.execute_query("MATCH ({workspace: $ws})-[r:MIG_OWNER]->() RETURN r.target_one AS k",
                                   ws=ws).records
        assert [r["k"] for r in keys] == ["MigCar:p1"]
    graph.execute_query("MATCH (n {workspace: $ws}) DETACH DELETE n", ws=ws)


async def test_a_migration_longer_than_the_stale_limit_is_not_applied_twice(neo4j_target, graph, scope, tmp_path):
    """The owner's heartbeat keeps its claim fresh: a second process waits however long
    the migration takes (here 2.5 s, held up by a lock this test keeps, against a stale
    limit of 1 s), instead of taking it over as if the owner had died."""
    directory = tmp_path / "slow"
    directory.mkdir()
    (directory / "0001_slow.cypher").write_text(
        f"MATCH (gate:_MigrationProbe {{scope: '{scope}', gate: true}}) SET gate.passed = true\n"
        f"CREATE (:_MigrationProbe {{scope: '{scope}', version: 1}})\n")
    migrations = load_migrations(directory)
    graph.execute_query("CREATE (:_MigrationProbe {scope: $scope, gate: true})", scope=scope)
    drivers = [AsyncGraphDatabase.driver(neo4j_target.uri, auth=(neo4j_target.user, neo4j_target.password))
               for _ in range(2)]
    with graph.session() as session:
        held = session.begin_transaction()  # holds the gate: the migration waits for it
        held.run("MATCH (gate:_MigrationProbe {scope: $scope, gate: true}) SET gate.held = true", scope=scope).consume()
        try:
            first, second = (Migrator(Database(d, neo4j_target.database, QUERIES), migrations, scope=scope,
                                      stale_after_s=1.0, poll_s=0.05) for d in drivers)
            owner = asyncio.create_task(first.migrate())
            await asyncio.sleep(0.2)
            waiting = asyncio.create_task(second.migrate())
            await asyncio.sleep(2.5)
            held.commit()
            statuses = await asyncio.gather(owner, waiting)
        finally:
            if held.closed() is False:
                held.rollback()
            for d in drivers:
                await d.close()
    assert all(s.current for s in statuses)
    probes, _, _ = graph.execute_query(
        "MATCH (n:_MigrationProbe {scope: $scope}) WHERE n.gate IS NULL RETURN count(n) AS n", scope=scope)
    assert probes[0]["n"] == 1
