"""Ingest benchmark: N orders, each referencing one of N/10 people, written

  api  through POST /v1/objects/Order/batch of a real uvicorn server (HTTP, JSON,
       validation, reference resolution by external id, cardinality locks), and
  raw  by the raw Python driver running the same UNWIND ... MERGE of the same rows
       (no validation, no locks): the baseline,

in the same run, against the same Neo4j, several rounds each, each round into a fresh
workspace. Reports records/s (median of rounds) and the ratio api/raw.

    .venv/bin/python -m bench.ingest [--orders 100000] [--rounds 3] [--batch 5000] [--concurrency 1]

--concurrency N sends N batches at a time (API: N requests in flight; raw: N sessions).

Uses NEO4J_URI if set, else starts refgraph's local Neo4j in a temporary directory.
Writes bench/results/ingest-<time>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from neo4j import GraphDatabase

from bench.common import ROOT, api_server, neo4j_server
from service.domain.records import new_id

ORDER = {"name": "Order", "attributes": [
    {"name": "order_number", "data_type": "string", "required": True},
    {"name": "total", "data_type": "float"},
    {"name": "customer", "data_type": "reference",
     "reference": {"target": "Person", "cardinality": "one",
                   "inverse": {"name": "orders", "cardinality": "many"}}}]}

RAW_UPSERT = """
UNWIND $rows AS row
MERGE (o:Order {workspace: $workspace, external_id: row.external_id})
  ON CREATE SET o.id = row.id, o.created_at = datetime.transaction()
SET o += row.props, o.updated_at = datetime.transaction()
WITH o, row
MATCH (p:Person {workspace: $workspace, external_id: row.customer})
MERGE (o)-[r:CUSTOMER]->(p)
  ON CREATE SET r.written_at = datetime.transaction(), r.source_one = o.id
"""


def orders(n: int, people: int) -> list[dict]:
    return [{"external_id": f"ord-{i}", "attributes": {"order_number": f"ORDER-{i}", "total": i % 500 + 0.5},
             "references": {"customer": {"external_id": f"cust-{i % people}"}}} for i in range(n)]


def in_batches(records: list, batch: int, concurrency: int, write) -> float:
    """Records/s of ``write(chunk)`` over the batches, ``concurrency`` at a time."""
    chunks = [records[i:i + batch] for i in range(0, len(records), batch)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(write, chunks))
    return len(records) / (time.perf_counter() - started)


def run_api(base: str, token: str, records: list[dict], people: int, batch: int,
            concurrency: int) -> float:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as c:
        assert c.post("/v1/types", json=ORDER).status_code == 201
        persons = [{"external_id": f"cust-{i}"} for i in range(people)]
        for i in range(0, people, batch):
            assert c.post("/v1/objects/Person/batch", json={"records": persons[i:i + batch]}).status_code == 200

        def write(chunk: list[dict]) -> None:
            response = c.post("/v1/objects/Order/batch", json={"records": chunk})
            assert response.status_code == 200, response.text[:500]

        return in_batches(records, batch, concurrency, write)


def run_raw(uri: str, auth: tuple[str, str], records: list[dict], people: int, batch: int,
            concurrency: int = 1) -> float:
    workspace = f"bench_raw_{uuid.uuid4().hex[:8]}"
    rows = [{"external_id": r["external_id"], "id": new_id(), "props": r["attributes"],
             "customer": r["references"]["customer"]["external_id"]} for r in records]
    with GraphDatabase.driver(uri, auth=auth) as driver:
        driver.execute_query(
            "UNWIND range(0, $n - 1) AS i CREATE (:Person {workspace: $ws, external_id: 'cust-' + i, id: randomUUID()})",
            n=people, ws=workspace)

        def write(chunk: list[dict]) -> None:
            with driver.session(database="neo4j") as session:
                session.execute_write(lambda tx: tx.run(RAW_UPSERT, rows=chunk, workspace=workspace).consume())

        return in_batches(rows, batch, concurrency, write)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    people = max(1, args.orders // 10)
    records = orders(args.orders, people)
    tokens = {f"bench-{r}": f"bench_api_{uuid.uuid4().hex[:8]}" for r in range(args.rounds)}
    api_rates, raw_rates = [], []
    with neo4j_server() as (uri, user, password):
        setup = {"bench-setup": f"bench_setup_{uuid.uuid4().hex[:8]}"}
        with api_server(uri, user, password, ",".join(f"{t}:{w}" for t, w in {**tokens, **setup}.items())) as base:
            # The type's constraints (and indexes) exist before either side is timed.
            with httpx.Client(base_url=base, headers={"Authorization": "Bearer bench-setup"}) as c:
                assert c.post("/v1/types", json=ORDER).status_code == 201
            run_raw(uri, (user, password), records[: args.batch], max(1, args.batch // 10), args.batch)
            for round_, token in enumerate(tokens):
                raw_rates.append(run_raw(uri, (user, password), records, people, args.batch, args.concurrency))
                api_rates.append(run_api(base, token, records, people, args.batch, args.concurrency))
                print(f"round {round_ + 1}: api {api_rates[-1]:,.0f}/s  raw {raw_rates[-1]:,.0f}/s", flush=True)
    api, raw = statistics.median(api_rates), statistics.median(raw_rates)
    result = {
        "benchmark": "ingest", "orders": args.orders, "people": people, "batch": args.batch,
        "concurrency": args.concurrency,
        "rounds": args.rounds, "api_records_per_s": api_rates, "raw_records_per_s": raw_rates,
        "api_median": api, "raw_median": raw, "ratio_api_to_raw": api / raw,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "targets": {"ratio": 0.70, "api_records_per_s": 20_000},
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"ingest-{stamp}.json").write_text(json.dumps(result, indent=2))
    table = (
        f"| orders | batch | concurrency | api records/s (median) | raw driver records/s (median) | api / raw |\n"
        f"| --- | --- | --- | --- | --- | --- |\n"
        f"| {args.orders:,} | {args.batch:,} | {args.concurrency} | {api:,.0f} | {raw:,.0f} | {api / raw:.2f} |\n"
    )
    (out / f"ingest-{stamp}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
