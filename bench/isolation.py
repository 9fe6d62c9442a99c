"""What one workspace's abuse does to another's reads (issue 32): workspace B reads
steadily (``--rate`` a second) while workspace A runs each abuse pattern in turn for
``--seconds``; B's p50 and p99 against B's own baseline in the same run, B's errors, and
the statuses A got.

    .venv/bin/python -m bench.isolation                         # 300,000 objects, 40 s a pattern
    .venv/bin/python -m bench.isolation --objects 50000 --seconds 15
    .venv/bin/python -m bench.isolation --at 0297c2e     # the API of an earlier commit, for a before

The patterns: 600 long-polls abandoned after a second (again and again); 8 filtered feed
scans that match nothing over A's whole feed; 8 unindexed searches over A's objects; 8
six-hop traversals from a hub; 8 report CSV exports; 8 batch writers re-ingesting.
Targets: B gets no 5xx and no transport error in any pattern; B's p99 within 3x its
baseline and its p50 within 2x; A gets 429/503 with Retry-After, never a 500.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.common import ORDER, ROOT, Api, api_server, cpu_used, neo4j_server, orders

PATTERNS = ["long-polls", "feed scans", "searches", "traversals", "report CSVs", "batch flood"]
SIX_HOPS = "orders.customer.orders.customer.orders.customer"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=300_000, help="A's orders")
    parser.add_argument("--seconds", type=float, default=40.0, help="each pattern, and the baseline")
    parser.add_argument("--rate", type=float, default=20.0, help="B's reads a second")
    parser.add_argument("--rounds", type=int, default=3,
                        help="each a baseline, then every pattern; the table gives the medians of the ratios")
    parser.add_argument("--nice", type=int, default=0,
                        help="A's client at this niceness: on this machine it shares the server's cores, where a "
                             "real attacker's client runs elsewhere")
    parser.add_argument("--batch-rows", type=int, default=5_000, help="records of each batch of the flood")
    parser.add_argument("--patterns", default=",".join(PATTERNS), help="comma separated, of: " + ", ".join(PATTERNS))
    parser.add_argument("--workers", type=int, default=1, help="API processes, as `refgraph serve --workers`")
    parser.add_argument("--at", help="serve the API of this commit instead (a before/after comparison)")
    parser.add_argument("--out", default="bench/results/isolation.json")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]  # workspaces of their own: a Neo4j that NEO4J_URI names may hold others
    with _checkout(args.at) as root, neo4j_server() as (uri, user, password), \
            api_server(uri, user, password, f"bench-a:bench_a_{run},bench-b:bench_b_{run}", root=root,
                       workers=args.workers,
                       settings={"REFGRAPH_RATE_LIMIT_PER_S": "100",  # the defaults, as served
                                 "REFGRAPH_ADMISSION_SCALE": "1"}) as base:
        a, b = Api(base, "bench-a"), Api(base, "bench-b")
        _load(a, b, args.objects)
        hub = a.ok("GET", "/v1/objects/Person", params={"external_id": "hub-0"})["data"][0]["id"]
        rounds = []
        for _ in range(args.rounds):
            results = {"baseline": _measure(b, args, lambda stop: Counter())}
            for name in args.patterns.split(","):
                abuse = _abuse(name.strip(), base, a, hub, args.objects, args.batch_rows)
                results[name] = _measure(b, args, abuse)
                print(_row(name, [results]), flush=True)
            rounds.append(results)
    results = {"rounds": rounds}
    print(_table(rounds))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as out:
        json.dump(results, out, indent=2)


@contextlib.contextmanager
def _checkout(commit: str | None) -> Iterator[Path]:
    if commit is None:
        yield ROOT
        return
    with tempfile.TemporaryDirectory() as tmp:
        checkout = Path(tmp) / "at"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(checkout), commit], check=True)
        try:
            yield checkout
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)], check=False)


def _load(a: Api, b: Api, objects: int) -> None:
    started = time.perf_counter()
    a.setup(ORDER, people=max(10, objects // 50), batch=5_000)
    a.ingest(orders(objects, people=max(10, objects // 50)), batch=5_000, concurrency=2)
    b.setup(ORDER, people=200, batch=5_000)
    print(f"loaded {objects:,} orders into A in {time.perf_counter() - started:.0f} s", flush=True)


def _measure(b: Api, args, abuse: Callable[[Any], Counter]) -> dict:
    """B's latencies and statuses while ``abuse`` runs for ``--seconds`` (in a process of its
    own, so A's client does not hold B's interpreter)."""
    context = multiprocessing.get_context("fork")
    stop, seen = context.Event(), context.Queue()
    runner = context.Process(target=lambda: (os.nice(args.nice), seen.put(abuse(stop))), daemon=True)
    runner.start()
    time.sleep(min(2.0, args.seconds / 10))  # the abuse under way
    latencies, statuses = [], Counter()
    deadline = time.monotonic() + args.seconds
    with cpu_used() as cpu:
        _read_steadily(b, args, deadline, latencies, statuses)
    stop.set()
    got = seen.get(timeout=120)
    runner.join(timeout=30)
    q = statistics.quantiles(latencies, n=100)
    return {"b_p50_ms": round(statistics.median(latencies), 1), "b_p99_ms": round(q[98], 1),
            "b_statuses": dict(statuses), "a_statuses": dict(got),
            "cpu_percent": {name: round(100 * used / args.seconds) for name, used in cpu.items()}}


def _read_steadily(b: Api, args, deadline: float, latencies: list[float], statuses: Counter) -> None:
    while time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            status = b.client.get("/v1/objects/Order", params={"limit": 20}, timeout=30).status_code
        except httpx.TransportError as exc:
            status = type(exc).__name__
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[str(status)] += 1
        time.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - began)))


def _abuse(name: str, base: str, a: Api, hub: str, objects: int, batch_rows: int) -> Callable[[Any], Counter]:
    headers = {"Authorization": "Bearer bench-a"}

    def loop(request: Callable[[httpx.Client], httpx.Response], workers: int = 8):
        def run(stop) -> Counter:
            got: Counter = Counter()

            def worker() -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                    while not stop.is_set():
                        try:
                            response = request(client)
                            retry = "+retry-after" if "retry-after" in response.headers else ""
                            got[f"{response.status_code}{retry if response.status_code >= 429 else ''}"] += 1
                        except httpx.TransportError as exc:
                            got[type(exc).__name__] += 1

            with ThreadPoolExecutor(workers) as pool:
                for _ in range(workers):
                    pool.submit(worker)
            return got
        return run

    reingest = json.dumps({"records": orders(min(objects, batch_rows), people=max(10, objects // 50), changed=True)})
    return {
        "long-polls": lambda stop: asyncio.run(_long_polls(base, stop)),
        "feed scans": loop(lambda c: c.get("/v1/events", params={"types": "object.deleted", "limit": 1000})),
        "searches": loop(lambda c: c.get("/v1/objects/Order", params={"where": "total>=400", "sort": "-total",
                                                                      "count": "true", "limit": 10})),
        "traversals": loop(lambda c: c.get(f"/v1/objects/Person/{hub}/traverse",
                                           params={"path": SIX_HOPS, "limit": 100})),
        "report CSVs": loop(lambda c: c.get("/v1/reports/orders_per_person", params={"format": "csv",
                                                                                     "limit": 100000})),
        "batch flood": loop(lambda c: c.post("/v1/objects/Order/batch", content=reingest,
                                             headers={"Content-Type": "application/json"})),
    }[name]


async def _long_polls(base: str, stop) -> Counter:
    """600 long-polls in flight, each on a connection of its own, abandoned after a second
    and replaced at once."""
    host, port = base.removeprefix("http://").split(":")
    got: Counter = Counter()
    request = b"GET /v1/events?wait=30 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bench-a\r\n\r\n"

    async def one() -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(request)
                await writer.drain()
                try:
                    line = await asyncio.wait_for(reader.readline(), 1.0)
                    got[line.split(b" ")[1].decode() if line else "closed"] += 1
                    await asyncio.sleep(1.0)  # a refused client waits too
                except TimeoutError:
                    got["abandoned"] += 1
                writer.close()
            except OSError as exc:
                got[type(exc).__name__] += 1
                await asyncio.sleep(1.0)

    await asyncio.gather(*(one() for _ in range(600)))
    return got


def _row(name: str, rounds: list[dict]) -> str:
    """A pattern's medians over ``rounds``, each round's ratio to its own baseline in brackets."""
    cells = [results[name] for results in rounds]
    ratios = {q: [results[name][q] / results["baseline"][q] for results in rounds] for q in ("b_p50_ms", "b_p99_ms")}
    errors = sum(n for cell in cells for status, n in cell["b_statuses"].items() if not status.startswith("2"))
    got = sum((Counter(cell["a_statuses"]) for cell in cells), Counter())
    return " | ".join(["", name, *(f"{statistics.median(c[q] for c in cells):.1f} "
                                   f"({statistics.median(ratios[q]):.1f}x: {', '.join(f'{r:.1f}' for r in ratios[q])})"
                                   for q in ("b_p50_ms", "b_p99_ms")),
                       str(errors), _cpu(cells), ", ".join(f"{k}: {v}" for k, v in sorted(got.items())), ""]).strip()


def _cpu(cells: list[dict]) -> str:
    """The API's and Neo4j's CPU while B measured, in % of one core (medians)."""
    return " / ".join(str(round(statistics.median(cell["cpu_percent"][name] for cell in cells)))
                      if all(name in cell.get("cpu_percent", {}) for cell in cells) else "-"
                      for name in ("api", "neo4j"))


def _table(rounds: list[dict]) -> str:
    baselines = [results["baseline"] for results in rounds]
    errors = sum(n for cell in baselines for s, n in cell["b_statuses"].items() if not s.startswith("2"))
    lines = ["| A's pattern | B p50 ms (x baseline: each round) | B p99 ms (x baseline: each round) | B errors "
             "| API / Neo4j CPU % | what A got |",
             "| --- | --- | --- | --- | --- | --- |",
             f"| none (baseline) | {statistics.median(c['b_p50_ms'] for c in baselines):.1f} | "
             f"{statistics.median(c['b_p99_ms'] for c in baselines):.1f} | {errors} | {_cpu(baselines)} | |"]
    return "\n".join(lines + [_row(name, rounds) for name in rounds[0] if name != "baseline"])


if __name__ == "__main__":
    main()
