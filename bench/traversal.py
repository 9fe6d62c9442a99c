"""Traversal benchmark: 1-, 2- and 3-hop traversals through the API against the same
Cypher through the raw driver, at concurrency 1 and 8, on the demo-shaped graph.

  api  GET /v1/objects/Person/{id}/traverse?path=... to a real uvicorn server over HTTP
       (the standard library's client, one kept-alive connection a worker)
  raw  the raw Python driver running the query text the API runs, same parameters, the
       way the API runs it (one auto-commit read)

The sides take turns, 100 requests at a time. Latencies are per request; the table
gives p50 and p99 in ms and requests/s.

    .venv/bin/python -m bench.traversal [--people 7000] [--requests 1000] [--concurrency 1,8] [--workers 1]

Uses NEO4J_URI if set, else starts refgraph's local Neo4j in a temporary directory.
Writes bench/results/traversal-<time>.json and .md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import statistics
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from neo4j import READ_ACCESS, GraphDatabase, Query

from bench.common import ROOT, api_server, cpu_used, neo4j_server, slashed
from service.services import demo
from service.config import CYPHER
from service.domain.traversal import Hop, Walk
from service.domain.search import Search
from service.store.queries import Queries, SearchCypher

# (hops, path from a Person, the walk the API plans for it); the end type's `one`
# references, which the API's query also returns
INLINE = {"Order": [Hop("customer", "CUSTOMER", True, "Person")], "Item": [Hop("order", "ORDER", True, "Order")]}
NO_FILTER = SearchCypher.of(Search(None, ()), subject="e")  # the traversals here have no where=
PATHS = [
    (1, "orders", [Hop("orders", "CUSTOMER", False, "Order")]),
    (2, "orders.items", [Hop("orders", "CUSTOMER", False, "Order"), Hop("items", "ORDER", False, "Item")]),
    (3, "conversations.order_options.items", [
        Hop("conversations", "CONTACT", False, "Conversation"),
        Hop("order_options", "ORDER_OPTIONS", True, "Order"), Hop("items", "ORDER", False, "Item")]),
]
LIMIT = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


WARM_UP = 300  # requests a side and path before any is measured
BLOCK = 100  # requests a side runs in a row before the other side takes over


def timed(starts: list[str], concurrency: int,
          calls: dict[str, object]) -> dict[str, tuple[list[float], float, dict[str, float]]]:
    """Per side, the latencies in ms of ``call(start)`` for every start, the requests/s,
    and the CPU ms a request of each process (``cpu_used``: Neo4j, the API, this client).
    The sides take turns a block of starts at a time (which side goes first alternates),
    so both meet the same machine: a 2-core box drifts by a millisecond over a run.
    Switching sides on every request instead would measure cold caches, not either side."""
    latencies: dict[str, list[float]] = {side: [] for side in calls}
    wall = {side: 0.0 for side in calls}
    cpu: dict[str, Counter] = {side: Counter() for side in calls}
    lock = threading.Lock()
    sides = list(calls.items())

    with ThreadPoolExecutor(concurrency) as pool:
        for n, first in enumerate(range(0, len(starts), BLOCK)):
            block = starts[first:first + BLOCK]
            for side, call in (sides if n % 2 else sides[::-1]):
                def one(start: str, call=call, side=side) -> None:
                    began = time.perf_counter()
                    call(start)
                    elapsed = (time.perf_counter() - began) * 1000
                    with lock:
                        latencies[side].append(elapsed)

                with cpu_used() as used:
                    began = time.perf_counter()
                    list(pool.map(one, block))
                    wall[side] += time.perf_counter() - began
                cpu[side].update(used)
    return {side: (latencies[side], len(starts) / wall[side],
                   {process: seconds * 1000 / len(starts) for process, seconds in cpu[side].items()})
            for side in calls}


def measure(uri: str, auth: tuple[str, str], base: str, token: str, workspace: str, *,
            people: int, requests: int, levels: list[int]) -> tuple[object, list[dict]]:
    """Load the demo dataset scaled to ``people`` into ``workspace`` through the API, then
    time every path at every concurrency level on both sides: (the dataset, rows)."""
    data = demo.build(people=people, seed=11)
    queries = Queries.load(CYPHER)
    headers = {"Authorization": f"Bearer {token}"}
    rows = []
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        loaded = time.perf_counter()
        demo.load(client, data)
        print(f"loaded {data.objects:,} objects in {time.perf_counter() - loaded:.0f}s", flush=True)
    host = urllib.parse.urlsplit(base)
    with GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF") as driver:
        ids = [r["id"] for r in driver.execute_query(
            "MATCH (p:Person {workspace: $ws}) RETURN p.id AS id", ws=workspace).records]
        starts = random.Random(5).choices(ids, k=requests)
        local = threading.local()

        def calls_for(path: str, walk: list[Hop]) -> dict[str, object]:
            text = queries["objects/traverse"](Start="Person", Walk=Walk(walk, keep_paths=False),
                                               Inline=INLINE[walk[-1].target], Filter=NO_FILTER)

            # The client is the standard library's, one kept-alive connection a worker:
            # httpx would add about 0.4 ms of its own per request, which is not the API's.
            def api_call(start: str) -> None:
                if not hasattr(local, "http"):
                    local.http = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
                query = urllib.parse.urlencode({"path": path, "limit": LIMIT})
                local.http.request("GET", f"/v1/objects/Person/{start}/traverse?{query}", headers=headers)
                response = local.http.getresponse()
                body = response.read()
                assert response.status == 200, body[:300]
                json.loads(body)

            # What the API does: one auto-commit read, results fetched whole.
            def raw_call(start: str) -> None:
                with driver.session(database="neo4j", fetch_size=-1, default_access_mode=READ_ACCESS) as session:
                    session.run(Query(text, timeout=10.0), workspace=workspace, id=start, after=None,
                                limit=LIMIT + 1, max_paths=10).single()

            return {"raw": raw_call, "api": api_call}

        cells = [(hops, path, calls_for(path, walk)) for hops, path, walk in PATHS]
        # Warm every query up on both sides first, so that the first cell measured is not
        # the one that pays for the load's aftermath and cold code paths.
        for _, _, calls in cells:
            timed(starts[:WARM_UP], 1, calls)
        for hops, path, calls in cells:
            for concurrency in levels:
                timed(starts[:50], concurrency, calls)  # warm up this concurrency
                for side, (latencies, rate, cpu) in timed(starts, concurrency, calls).items():
                    rows.append({"hops": hops, "path": path, "concurrency": concurrency, "side": side,
                                 "p50_ms": statistics.median(latencies),
                                 "p99_ms": percentile(latencies, 99),
                                 "requests_per_s": rate, "cpu_ms_per_request": cpu})
                    r = rows[-1]
                    print(f"{hops}-hop c={concurrency} {side}: p50 {r['p50_ms']:.2f} ms  "
                          f"p99 {r['p99_ms']:.2f} ms  {r['requests_per_s']:,.0f}/s", flush=True)
    return data, rows


def table(rows: list[dict], levels: list[int]) -> list[str]:
    lines = ["| hops | concurrency | api p50 ms | raw p50 ms | api - raw p50 ms | api p99 ms | raw p99 ms "
             "| api req/s | raw req/s | api CPU ms a request: Neo4j / API / client | raw: Neo4j / client |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def cpu(row: dict, processes: tuple[str, ...]) -> str:
        used = row.get("cpu_ms_per_request", {})
        return slashed([used.get(p) for p in processes], 2)

    for hops, _, _ in PATHS:
        for concurrency in levels:
            api, raw = (next(r for r in rows if r["hops"] == hops and r["concurrency"] == concurrency
                             and r["side"] == side) for side in ("api", "raw"))
            lines.append(f"| {hops} | {concurrency} | {api['p50_ms']:.2f} | {raw['p50_ms']:.2f} | "
                         f"{api['p50_ms'] - raw['p50_ms']:.2f} | {api['p99_ms']:.2f} | {raw['p99_ms']:.2f} | "
                         f"{api['requests_per_s']:,.0f} | {raw['requests_per_s']:,.0f} | "
                         f"{cpu(api, ('neo4j', 'api', 'client'))} | {cpu(raw, ('neo4j', 'client'))} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=7_000, help="about 14 objects each")
    parser.add_argument("--requests", type=int, default=1_000, help="per hop count, side and concurrency")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--workers", type=int, default=1, help="API processes (refgraph serve --workers)")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn",
                        help="the ASGI server (refgraph serves with uvicorn; granian to compare)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    workspace, token = f"bench_trav_{uuid.uuid4().hex[:8]}", "bench-traversal"
    with neo4j_server() as (uri, user, password):
        with api_server(uri, user, password, f"{token}:{workspace}", workers=args.workers,
                        server=args.server) as base:
            data, rows = measure(uri, (user, password), base, token, workspace, people=args.people,
                                 requests=args.requests, levels=levels)
    lines = table(rows, levels)
    result = {"benchmark": "traversal", "objects": data.objects, "people": args.people, "workers": args.workers,
              "server": args.server,
              "requests": args.requests, "limit": LIMIT, "rows": rows,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "targets": {"api_minus_raw_p50_ms": 1.0, "one_hop_api_p50_ms": 1.5, "one_hop_api_p99_ms": 8}}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"traversal-{stamp}.json").write_text(json.dumps(result, indent=2))
    (out / f"traversal-{stamp}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
