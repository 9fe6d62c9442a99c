"""The benchmark suite: every workload against its baseline, in one run, on one Neo4j.

    .venv/bin/python -m bench.suite [--scale 100000] [--rounds 3]      (or: make bench)

Workloads (refgraph / baseline):
  ingest        batch API / the raw driver's UNWIND ... MERGE of the same rows
                / neo4j-admin database import of the same rows as CSV (the upper bound)
  cardinality   batch API with Order.customer one-to-many / the same ingest, many-to-many
  re-ingest     the same rows again, and with 10% of them changed: API / raw driver
  connector     a run fetching 100 records from a loopback API / that API's own time
  traversal     1-, 2-, 3-hop traversals at concurrency 1, 8, 32: API / raw driver
                (the API's own query text), on the demo dataset scaled to --scale objects
  writers       4 concurrent writers on disjoint and on shared hub targets: API / raw
                driver (records/s, retries counted)
  report        orders_per_person over the whole demo dataset: API / raw driver

--scale is the number of orders ingested and, roughly, the objects of the traversal
dataset (people with orders, items, passports and conversations; a few hub people with
thousands of orders in the ingest data). 1,000,000 runs; it takes a while.

Beside each write cell's rates, the CPU each process used (Neo4j, the API, this client;
``bench.common.cpu_used``) and a table of it per record (``cpu_table``).

Uses NEO4J_URI if set, else starts refgraph's local Neo4j (heap 2g, page cache 2g) in a
temporary directory. Writes bench/results/suite-<time>.json and .md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import httpx
from neo4j import GraphDatabase

from bench import traversal
from bench.common import (HUBS, ORDER, REMOTE_PORT, ROOT, Api, Raw, api_server, cpu_used, free_port, neo4j_server,
                          orders, person_ids, slashed)
from service.config import CYPHER, Settings
from service.domain.records import new_id
from service.local_neo4j import LocalNeo4j, ensure_classpath

WRITERS = 4
MANY_ONLY = {**ORDER, "attributes": [
    a if a["name"] != "customer" else {**a, "reference": {**a["reference"], "cardinality": "many"}}
    for a in ORDER["attributes"]]}


# ---- workloads ---------------------------------------------------------------------


def ingest_workloads(ctx, args) -> dict:
    people = max(1, args.scale // 10)
    rows, changed = orders(args.scale, people), orders(args.scale, people, changed=True)
    out = {k: [] for k in ("api", "raw", "api_many_only", "api_same", "raw_same", "api_changed", "raw_changed")}
    out["cpu"] = {k: [] for k in ("api", "raw", "api_same", "raw_same", "api_changed", "raw_changed")}

    def first_same_changed(side: str, writer) -> None:
        for cell, records in ((side, rows), (f"{side}_same", rows), (f"{side}_changed", changed)):
            out["cpu"][cell].append(used := {})
            out[cell].append(writer.ingest(records, args.batch, cpu=used))

    def raw_side() -> None:
        first_same_changed("raw", Raw(ctx.driver, people))

    def api_side() -> None:
        api = ctx.api()
        api.setup(ORDER, people, args.batch)
        first_same_changed("api", api)

    def many_only_side() -> None:
        many = ctx.api()
        many.setup(MANY_ONLY, people, args.batch)
        out["api_many_only"].append(many.ingest(rows, args.batch))

    sides = [raw_side, api_side, many_only_side]
    for r in range(args.rounds):
        for side in sides[r % 3:] + sides[:r % 3]:  # each round another side goes first
            side()
        print(f"ingest round {r + 1}: " + ", ".join(f"{k} {v[-1]:,.0f}/s" for k, v in out.items() if k != "cpu"),
              flush=True)
    out["admin_import"] = [admin_import(rows, people)]
    print(f"neo4j-admin import: {out['admin_import'][0]:,.0f} orders/s", flush=True)
    return out


def admin_import(rows: list[dict], people: int) -> float:
    """Orders/s of ``neo4j-admin database import full`` of the people, the orders and their
    CUSTOMER relationships as CSV into an empty store (JVM start included)."""
    with tempfile.TemporaryDirectory() as home:
        files = Path(home) / "import"
        files.mkdir()
        with open(files / "people.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["external_id:ID(Person)", "id", "workspace"])
            w.writerows((e, new_id(), "bench") for e in person_ids(people))
        with open(files / "orders.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["external_id:ID(Order)", "id", "workspace", "order_number", "total:float"])
            w.writerows((r["external_id"], new_id(), "bench", r["attributes"]["order_number"],
                         r["attributes"]["total"]) for r in rows)
        with open(files / "customer.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([":START_ID(Order)", ":END_ID(Person)"])
            w.writerows((r["external_id"], r["references"]["customer"]["external_id"]) for r in rows)
        server = LocalNeo4j(home=Path(home), classpath=ensure_classpath(Settings().cache_dir),
                            bolt_port=free_port(), http_port=free_port(), password="bench-password",
                            heap="2g", pagecache="2g")
        server.prepare()
        started = time.perf_counter()
        result = server.admin("database", "import", "full", "neo4j", "--overwrite-destination",
                              f"--report-file={Path(home) / 'import.report'}",
                              f"--nodes=Person={files / 'people.csv'}", f"--nodes=Order={files / 'orders.csv'}",
                              f"--relationships=CUSTOMER={files / 'customer.csv'}")
        elapsed = time.perf_counter() - started
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return len(rows) / elapsed


class Remote:
    """A business's API on loopback serving 100 orders."""

    def __init__(self, count: int = 100):
        body = json.dumps({"data": [{"id": f"R-{i}", "number": f"REMOTE-{i}", "total": i + 0.5}
                                    for i in range(count)]}).encode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", REMOTE_PORT), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{REMOTE_PORT}/orders"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def connector_workload(ctx, args) -> dict:
    remote = Remote()
    api = ctx.api()
    api.ok("POST", "/v1/types", 201, json=ORDER)
    api.ok("POST", "/v1/types/Person/attributes", 201, json={
        "name": "order_options", "data_type": "reference", "reference": {"target": "Order", "cardinality": "many"}})
    person = api.ok("POST", "/v1/objects/Person", 201, json={"external_id": "p1"})["id"]
    connector = api.ok("POST", "/v1/connectors", 201, json={
        "name": "Remote orders", "object_type": "Order",
        "request": {"method": "GET", "url": remote.url},
        "response": {"records": "data", "external_id": "id",
                     "attributes": {"order_number": "number", "total": "total"}},
        "update_reference": {"on": "Person", "attribute": "order_options"}})["id"]
    runs, remote_times = [], []
    for i in range(args.connector_runs + 3):
        began = time.perf_counter()
        httpx.get(remote.url).raise_for_status()  # what a run's fetch costs by itself
        fetched = time.perf_counter()
        run = api.ok("POST", f"/v1/connectors/{connector}/runs", 201, json={"person_id": person})
        finished = time.perf_counter()
        assert run["status"] == "succeeded" and run["fetched"] == 100, run
        if i >= 3:  # warm-up
            remote_times.append((fetched - began) * 1000)
            runs.append((finished - fetched) * 1000)
    remote.server.shutdown()
    return {"run_ms": runs, "remote_ms": remote_times}


def writers_workload(ctx, args) -> dict:
    """WRITERS threads, each sending batches of 500 orders: on disjoint people, then all
    on the hub people."""
    per_writer, batch, people = max(500, args.scale // 10), 500, max(WRITERS, args.scale // 10)
    out = {}
    for shape in ("disjoint", "hub"):
        def rows_of(w: int) -> list[dict]:
            base = orders(per_writer, people)
            for i, r in enumerate(base):
                r["external_id"] = f"w{w}-{i}"
                r["references"]["customer"]["external_id"] = (
                    f"hub-{i % HUBS}" if shape == "hub" else f"cust-{w + WRITERS * (i % (people // WRITERS))}")
            return base

        work = [rows_of(w) for w in range(WRITERS)]
        total = per_writer * WRITERS
        api, raw = ctx.api(), Raw(ctx.driver, people)
        api.setup(ORDER, people, 5000)
        retries_before = ctx.retries()

        def rate(writer) -> tuple[float, dict]:
            """Records/s of the WRITERS writing their rows at once through ``writer``, and
            the CPU seconds each process used meanwhile (``cpu_used``; the writers' bodies
            and rows, built as each one starts, included)."""
            with cpu_used() as used:
                began = time.perf_counter()
                with ThreadPoolExecutor(WRITERS) as pool:
                    list(pool.map(lambda rows: writer.ingest(rows, batch), work))
                elapsed = time.perf_counter() - began
            return total / elapsed, used

        (api_rate, api_cpu), (raw_rate, raw_cpu) = rate(api), rate(raw)
        out[shape] = {"api_records_per_s": api_rate, "raw_records_per_s": raw_rate,
                      "api_retries": ctx.retries() - retries_before,
                      "raw_retries": raw.attempts - WRITERS * -(-per_writer // batch),
                      "records": total, "cpu": {"api": api_cpu, "raw": raw_cpu}}
        print(f"writers {shape}: {out[shape]}", flush=True)
    return out


def report_workload(ctx, args, workspace: str, token: str) -> dict:
    api = Api(ctx.base, token)
    text = (CYPHER / "reports" / "orders_per_person.cypher").read_text()
    api_ms, raw_ms = [], []
    for i in range(args.report_runs + 1):
        began = time.perf_counter()
        rows = api.ok("GET", "/v1/reports/orders_per_person", params={"limit": 100})
        middle = time.perf_counter()
        with ctx.driver.session(database="neo4j") as session:
            raw = session.execute_read(lambda tx: tx.run(text, workspace=workspace, limit=100).data())
        ended = time.perf_counter()
        assert len(rows["rows"]) == len(raw) > 0
        if i:
            api_ms.append((middle - began) * 1000)
            raw_ms.append((ended - middle) * 1000)
    return {"api_ms": api_ms, "raw_ms": raw_ms}


# ---- the run -----------------------------------------------------------------------


class Context:
    def __init__(self, base: str, driver, tokens: list[str]):
        self.base, self.driver, self._tokens = base, driver, iter(tokens)

    def api(self) -> Api:
        return Api(self.base, next(self._tokens))

    def retries(self) -> float:
        text = httpx.get(f"{self.base}/metrics").text
        found = re.search(r"^refgraph_neo4j_transaction_retries_total (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0


def summary(result: dict) -> list[str]:
    med = statistics.median
    ing, con, trav = result["ingest"], result["connector"], result["traversal"]
    api, raw = med(ing["api"]), med(ing["raw"])
    one = {(r["hops"], r["concurrency"], r["side"]): r for r in trav}
    lines = ["| workload | refgraph | baseline | ratio | target | met |", "| --- | --- | --- | --- | --- | --- |"]

    def row(name, ours, base, ratio, target="-", met=None):
        lines.append(f"| {name} | {ours} | {base} | {ratio} | {target} | "
                     f"{'' if met is None else 'yes' if met else '**no**'} |")

    row("ingest, records/s (API vs raw driver)", f"{api:,.0f}", f"{raw:,.0f}", f"{api / raw:.2f}",
        "≥ 0.85 and ≥ 25,000/s", api / raw >= 0.85 and api >= 25_000)
    admin = ing["admin_import"][0]
    row("raw driver vs neo4j-admin import, orders/s", f"{raw:,.0f}", f"{admin:,.0f}", f"{admin / raw:.2f}x",
        "import ≤ 3x raw", admin / raw <= 3)
    many = med(ing["api_many_only"])
    row("cardinality enforcement (one-to-many vs many-only API ingest)", f"{api:,.0f}", f"{many:,.0f}",
        f"{api / many:.2f}", "≥ 0.85", api / many >= 0.85)
    for key in ("same", "changed"):
        a, b = med(ing[f"api_{key}"]), med(ing[f"raw_{key}"])
        row(f"re-ingest, {'same rows' if key == 'same' else '10% changed'}, records/s", f"{a:,.0f}", f"{b:,.0f}",
            f"{a / b:.2f}")
    extra = med(con["run_ms"]) - med(con["remote_ms"])
    row("connector run, 100 records, ms (p50)", f"{med(con['run_ms']):.1f}", f"{med(con['remote_ms']):.1f}",
        f"{extra:+.1f} ms", "< +150 ms", extra < 150)
    for hops in (1, 2, 3):
        for c in result["settings"]["concurrency"]:
            a, b = one[(hops, c, "api")], one[(hops, c, "raw")]
            targeted = (hops, c) == (1, 1)
            row(f"traversal {hops} hop(s), concurrency {c}, p50 / p99 ms", f"{a['p50_ms']:.2f} / {a['p99_ms']:.2f}",
                f"{b['p50_ms']:.2f} / {b['p99_ms']:.2f}", f"{a['p50_ms'] - b['p50_ms']:+.2f} ms",
                *(("p50 ≤ 1.5, p99 ≤ 8, + ≤ 1 ms",
                   a["p50_ms"] <= 1.5 and a["p99_ms"] <= 8 and a["p50_ms"] - b["p50_ms"] <= 1) if targeted else ()))
    for shape, w in result["writers"].items():
        row(f"{WRITERS} writers, {shape} targets, records/s (retries)",
            f"{w['api_records_per_s']:,.0f} ({w['api_retries']:.0f})",
            f"{w['raw_records_per_s']:,.0f} ({w['raw_retries']})",
            f"{w['api_records_per_s'] / w['raw_records_per_s']:.2f}")
    rep = result["report"]
    row("report orders_per_person over the dataset, ms (p50)", f"{med(rep['api_ms']):.1f}",
        f"{med(rep['raw_ms']):.1f}", f"{med(rep['api_ms']) - med(rep['raw_ms']):+.1f} ms")
    return lines


def cpu_table(result: dict) -> list[str]:
    """The write cells' CPU per record of each process, in µs (medians of the rounds):
    where the time goes on a machine whose cores Neo4j, the API and this client share.
    When every core is busy on both sides, the records/s ratio is the CPU ratio."""
    med, ing = statistics.median, result["ingest"]
    cells = [(name, ing["cpu"][api], ing["cpu"][raw], result["settings"]["scale"], med(ing[api]) / med(ing[raw]))
             for name, api, raw in (("ingest of new rows", "api", "raw"),
                                    ("re-ingest, same rows", "api_same", "raw_same"),
                                    ("re-ingest, 10% changed", "api_changed", "raw_changed"))]
    cells += [(f"{WRITERS} writers, {shape} targets", [w["cpu"]["api"]], [w["cpu"]["raw"]], w["records"],
               w["api_records_per_s"] / w["raw_records_per_s"]) for shape, w in result["writers"].items()]

    def per_record(rounds: list[dict], process: str, records: int) -> float | None:
        seconds = [r[process] for r in rounds if process in r]
        return med(seconds) / records * 1e6 if seconds else None

    lines = [("| workload | refgraph: Neo4j / API / client µs a record | raw driver: Neo4j / client µs a record "
              "| CPU, raw / refgraph | records/s, refgraph / raw |"), "| --- | --- | --- | --- | --- |"]
    for name, api_rounds, raw_rounds, records, ratio in cells:
        api_us = [per_record(api_rounds, p, records) for p in ("neo4j", "api", "client")]
        raw_us = [per_record(raw_rounds, p, records) for p in ("neo4j", "client")]  # (the API idles meanwhile)
        cpu_ratio = f"{sum(raw_us) / sum(api_us):.2f}" if None not in api_us + raw_us and sum(api_us) else "-"
        lines.append(f"| {name} | {slashed(api_us, 0)} | {slashed(raw_us, 0)} | {cpu_ratio} | {ratio:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=1_000, help="traversals per hop count, side and level")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--connector-runs", type=int, default=30)
    parser.add_argument("--report-runs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="where the results go")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    tokens = {f"bench-{uuid.uuid4().hex[:8]}": f"bench_{i}_{uuid.uuid4().hex[:8]}" for i in range(4 * args.rounds + 10)}
    trav_token, trav_ws = f"bench-trav-{uuid.uuid4().hex[:8]}", f"bench_trav_{uuid.uuid4().hex[:8]}"
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    with neo4j_server() as (uri, user, password):
        pairs = ",".join(f"{t}:{w}" for t, w in {**tokens, trav_token: trav_ws}.items())
        with api_server(uri, user, password, pairs) as base, \
                GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF") as driver:
            ctx = Context(base, driver, list(tokens))
            neo4j_version = driver.execute_query("CALL dbms.components() YIELD versions RETURN versions[0] AS v").records[0]["v"]
            # The Order type's constraints exist before anything is timed; warm both sides up.
            warm = ctx.api()
            warm.setup(ORDER, 100, 5000)
            warm.ingest(orders(5000, 100), 5000)
            Raw(driver, 100).ingest(orders(5000, 100), 5000)
            result = {"ingest": ingest_workloads(ctx, args)}
            result["connector"] = connector_workload(ctx, args)
            print(f"connector: run p50 {statistics.median(result['connector']['run_ms']):.1f} ms, remote p50 "
                  f"{statistics.median(result['connector']['remote_ms']):.1f} ms", flush=True)
            result["writers"] = writers_workload(ctx, args)
            data, result["traversal"] = traversal.measure(
                uri, (user, password), base, trav_token, trav_ws, people=max(10, args.scale // 14),
                requests=args.requests, levels=levels)
            result["report"] = report_workload(ctx, args, trav_ws, trav_token)
    result["settings"] = {
        "started": started, "scale": args.scale, "rounds": args.rounds, "batch": args.batch,
        "requests": args.requests, "concurrency": levels, "traversal_objects": data.objects,
        "neo4j": neo4j_version, "neo4j_memory": "heap 2g, page cache 2g" if not os.environ.get("NEO4J_URI") else "external",
        "python": platform.python_version(), "driver": version("neo4j"), "rust_ext": version("neo4j-rust-ext"),
        "fastapi": version("fastapi"), "pydantic": version("pydantic"), "cpus": os.cpu_count(),
        "platform": platform.platform()}
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"suite-{stamp}.json").write_text(json.dumps(result, indent=2))  # first: a long run is kept
    lines = summary(result) + [""] + cpu_table(result)
    (args.out / f"suite-{stamp}.md").write_text(
        "\n".join(lines) + "\n\n" + "\n".join(traversal.table(result["traversal"], levels)) + "\n")
    print("\n".join(lines))
    print(f"\nwritten to {args.out / f'suite-{stamp}.json'} and .md")


if __name__ == "__main__":
    main()
