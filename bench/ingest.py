"""Ingest benchmark: N orders, each referencing one of N/10 people (every twentieth one of
three hub people), written

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

import httpx
from neo4j import GraphDatabase

from bench.common import ORDER, ROOT, Api, Raw, api_server, neo4j_server, orders

def run_api(base: str, token: str, records: list[dict], people: int, batch: int,
            concurrency: int) -> float:
    api = Api(base, token)
    api.setup(ORDER, people, batch)
    return api.ingest(records, batch, concurrency)


def run_raw(uri: str, auth: tuple[str, str], records: list[dict], people: int, batch: int,
            concurrency: int = 1) -> float:
    with GraphDatabase.driver(uri, auth=auth) as driver:
        return Raw(driver, people).ingest(records, batch, concurrency)


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
