"""What the `(workspace, id)` list index (issue 32) costs a write: new nodes created through
the raw driver into two labels that differ only by that index, both with the constraints
every type has (`(workspace, external_id)` unique, `id` unique); then the same nodes
updated. Rounds alternate which label goes first; medians of the rounds.

    .venv/bin/python -m bench.index_cost                      # 100,000 nodes, 5 rounds
    .venv/bin/python -m bench.index_cost --nodes 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from neo4j import GraphDatabase

from bench.common import neo4j_server
from service.domain.records import new_id

BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    plain, indexed = f"IdxPlain{run}", f"IdxListed{run}"
    with neo4j_server() as (uri, user, password), GraphDatabase.driver(uri, auth=(user, password)) as driver:
        for label in (plain, indexed):
            driver.execute_query(f"CREATE CONSTRAINT FOR (n:{label}) REQUIRE (n.workspace, n.external_id) IS UNIQUE")
            driver.execute_query(f"CREATE CONSTRAINT FOR (n:{label}) REQUIRE n.id IS UNIQUE")
        driver.execute_query(f"CREATE INDEX FOR (n:{indexed}) ON (n.workspace, n.id)")
        driver.execute_query("CALL db.awaitIndexes(300)")
        created, updated = {plain: [], indexed: []}, {plain: [], indexed: []}
        try:
            for r in range(args.rounds):
                for label in ((plain, indexed) if r % 2 == 0 else (indexed, plain)):
                    workspace = f"ws{r}"
                    rows = [{"external_id": f"e{n}", "id": new_id(), "total": float(n)} for n in range(args.nodes)]
                    created[label].append(_timed(driver, f"UNWIND $rows AS row CREATE (n:{label} {{workspace: $ws, "
                                                         "external_id: row.external_id, id: row.id, total: row.total})",
                                                 rows, workspace))
                    updated[label].append(_timed(driver, f"UNWIND $rows AS row MATCH (n:{label} {{workspace: $ws, "
                                                         "external_id: row.external_id}) SET n.total = row.total + 1",
                                                 rows, workspace))
        finally:
            for label in (plain, indexed):
                with driver.session() as session:  # CALL ... IN TRANSACTIONS runs in an implicit transaction
                    session.run(f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS").consume()
                for name in [r["name"] for r in driver.execute_query(
                        "SHOW CONSTRAINTS YIELD name, labelsOrTypes WHERE $l IN labelsOrTypes RETURN name", l=label)[0]]:
                    driver.execute_query(f"DROP CONSTRAINT {name}")
                for name in [r["name"] for r in driver.execute_query(
                        "SHOW INDEXES YIELD name, labelsOrTypes, owningConstraint WHERE $l IN labelsOrTypes "
                        "AND owningConstraint IS NULL RETURN name", l=label)[0]]:
                    driver.execute_query(f"DROP INDEX {name}")
    print(f"| nodes/s ({args.nodes:,} a round, median of {args.rounds}) | without the index | with it | ratio |")
    print("| --- | --- | --- | --- |")
    for what, seconds in (("created", created), ("updated (total)", updated)):
        a, b = args.nodes / statistics.median(seconds[plain]), args.nodes / statistics.median(seconds[indexed])
        print(f"| {what} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")


def _timed(driver, query: str, rows: list[dict], workspace: str) -> float:
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        driver.execute_query(query, rows=rows[i:i + BATCH], ws=workspace)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
