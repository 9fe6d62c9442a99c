"""What the benchmarks share: a Neo4j to run against and the API as a real server."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from service.config import Settings
from service.domain.records import new_id
from service.local_neo4j import LocalNeo4j, ensure_classpath

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "refgraph-bench-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The processes whose CPU the benchmarks read (``cpu_used``): this client, and the local
# Neo4j and the API server under test while they run (the first of each registers).
PROCESSES: dict[str, int] = {"client": os.getpid()}
_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds a process has used, all its threads (Linux ``/proc``;
    None elsewhere or once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_S  # utime, stime


@contextlib.contextmanager
def cpu_used():
    """A dict that gets, once the block has run, the CPU seconds each of ``PROCESSES``
    (as they were when it began) used meanwhile; a process that cannot be read is left
    out (an external Neo4j, another OS)."""
    pids, used = dict(PROCESSES), {}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    yield used
    for name, pid in pids.items():
        after = cpu_seconds(pid)
        if before[name] is not None and after is not None:
            used[name] = after - before[name]


def slashed(values: list[float | None], digits: int) -> str:
    """Figures of a table cell, one per process, ``-`` for one that could not be read."""
    return " / ".join("-" if value is None else f"{value:.{digits}f}" for value in values)


@contextlib.contextmanager
def registered(name: str, pid: int | None):
    """``pid`` is ``PROCESSES[name]`` inside the block, unless another holds the name."""
    mine = pid is not None and PROCESSES.setdefault(name, pid) == pid
    try:
        yield
    finally:
        if mine:
            del PROCESSES[name]


@contextlib.contextmanager
def neo4j_server():
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"]
        return
    with tempfile.TemporaryDirectory() as home:
        server = LocalNeo4j(home=Path(home), classpath=ensure_classpath(Settings().cache_dir),
                            bolt_port=free_port(), http_port=free_port(), password=PASSWORD,
                            heap="2g", pagecache="2g")
        with server, registered("neo4j", server.pid):
            yield server.bolt_uri, "neo4j", PASSWORD


# The loopback port of the connector workload's stand-in remote API, the one internal
# address the API under test may call.
REMOTE_PORT = free_port()


@contextlib.contextmanager
def api_server(uri: str, user: str, password: str, tokens: str, root: Path = ROOT, workers: int = 1,
               server: str = "uvicorn", settings: dict[str, str] | None = None):
    """The API under test in processes of its own (``workers`` of them, as
    ``refgraph serve --workers`` runs them: shares of the limits, metrics added up).
    ``server``: uvicorn, as refgraph serves, or granian, to compare ASGI servers.
    ``settings``: environment variables over the ones set here (no rate limit, say)."""
    port = free_port()
    metrics_dir = tempfile.TemporaryDirectory()
    env = {**os.environ, "NEO4J_URI": uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password,
           "REFGRAPH_TOKENS": tokens, "REFGRAPH_RATE_LIMIT_PER_S": "0",  # measure, do not throttle
           "REFGRAPH_ADMISSION_SCALE": "8",  # the concurrent cells (writers, traversals) use one workspace
           "REFGRAPH_CONNECTOR_ALLOWED_HOSTS": f"127.0.0.1:{REMOTE_PORT}",  # the connector workload's remote
           "REFGRAPH_WEBHOOK_ALLOWED_HOSTS": f"127.0.0.1:{REMOTE_PORT}",  # the webhooks' receiver
           "REFGRAPH_WORKERS": str(workers), **({"PROMETHEUS_MULTIPROC_DIR": metrics_dir.name} if workers > 1 else {}),
           **(settings or {})}
    command = {
        "uvicorn": ["-m", "uvicorn", "service.main:create_app", "--factory", "--port", str(port),
                    "--log-level", "warning",
                    # a client's kept-alive connection waits while the other side takes its turn
                    "--timeout-keep-alive", "60", *(["--workers", str(workers)] if workers > 1 else [])],
        "granian": ["-m", "granian", "--interface", "asgi", "--loop", "uvloop", "--factory", "--port", str(port),
                    "--workers", str(workers), "--log-level", "warning", "service.main:create_app"],
    }[server]
    process = subprocess.Popen([sys.executable, *command], env=env, cwd=root)
    # With more workers, or granian, the work is in child processes: its CPU shows as "-".
    serving = registered("api", process.pid if workers == 1 and server == "uvicorn" else None)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            time.sleep(0.1)
        with serving:
            yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        metrics_dir.cleanup()


# ---- the ingest workload's data and its two writers ---------------------------------

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


def in_batches(records: list, batch: int, concurrency: int, write, prepare=lambda chunk: chunk,
               cpu: dict | None = None) -> float:
    """Records/s of ``write(prepare(chunk))`` over the batches, ``concurrency`` at a time;
    ``prepare`` (building a request body) runs before the clock starts. ``cpu`` gets the
    CPU seconds of each process over the same time as the clock (``cpu_used``)."""
    chunks = [prepare(records[i:i + batch]) for i in range(0, len(records), batch)]
    with cpu_used() as used:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(write, chunks))
        elapsed = time.perf_counter() - started
    if cpu is not None:
        cpu.update(used)
    return len(records) / elapsed


HUBS = 3  # people with thousands of orders each


def orders(n: int, people: int, changed: bool = False) -> list[dict]:
    """N orders; every 20th belongs to one of the hub people. ``changed``: every tenth
    order has a new total."""
    def customer(i: int) -> str:
        return f"hub-{i % HUBS}" if i % 20 == 0 else f"cust-{i % people}"

    return [{"external_id": f"ord-{i}",
             "attributes": {"order_number": f"ORDER-{i}",
                            "total": i % 500 + (1.5 if changed and i % 10 == 0 else 0.5)},
             "references": {"customer": {"external_id": customer(i)}}} for i in range(n)]


def person_ids(people: int) -> list[str]:
    return [f"cust-{i}" for i in range(people)] + [f"hub-{h}" for h in range(HUBS)]


class Api:
    """An HTTP client for one workspace of the API server under test."""

    def __init__(self, base: str, token: str):
        self.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600)

    def ok(self, method: str, path: str, status: int = 200, **kwargs) -> dict:
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text[:400]}"
        return response.json() if response.content else {}

    def setup(self, order_type: dict, people: int, batch: int) -> None:
        self.ok("POST", "/v1/types", 201, json=order_type)
        persons = [{"external_id": e} for e in person_ids(people)]
        for i in range(0, len(persons), batch):
            self.ok("POST", "/v1/objects/Person/batch", json={"records": persons[i:i + batch]})

    def ingest(self, records: list[dict], batch: int, concurrency: int = 1, cpu: dict | None = None) -> float:
        # Bodies are encoded before the clock starts, as the raw side builds its rows.
        return in_batches(records, batch, concurrency,
                          lambda body: self.ok("POST", "/v1/objects/Order/batch", content=body,
                                               headers={"Content-Type": "application/json"}),
                          prepare=lambda chunk: json.dumps({"records": chunk}).encode(), cpu=cpu)


class Raw:
    """The baseline: the raw driver writing the same rows into its own workspace."""

    def __init__(self, driver, people: int):
        self.driver, self.workspace, self.attempts = driver, f"bench_raw_{uuid.uuid4().hex[:8]}", 0
        self.lock = threading.Lock()
        driver.execute_query(
            "UNWIND $ids AS e CREATE (:Person {workspace: $ws, external_id: e, id: randomUUID()})",
            ids=person_ids(people), ws=self.workspace)

    def ingest(self, records: list[dict], batch: int, concurrency: int = 1, cpu: dict | None = None) -> float:
        rows = [{"external_id": r["external_id"], "id": new_id(), "props": r["attributes"],
                 "customer": r["references"]["customer"]["external_id"]} for r in records]

        def work(tx, chunk):
            with self.lock:
                self.attempts += 1
            tx.run(RAW_UPSERT, rows=chunk, workspace=self.workspace).consume()

        def write(chunk: list[dict]) -> None:
            with self.driver.session(database="neo4j") as session:
                session.execute_write(work, chunk)

        return in_batches(rows, batch, concurrency, write, cpu=cpu)
