"""What the benchmarks share: a Neo4j to run against and the API as a real server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from service.config import Settings
from service.local_neo4j import LocalNeo4j, ensure_classpath

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "refgraph-bench-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def neo4j_server():
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"]
        return
    with tempfile.TemporaryDirectory() as home:
        server = LocalNeo4j(home=Path(home), classpath=ensure_classpath(Settings().cache_dir),
                            bolt_port=free_port(), http_port=free_port(), password=PASSWORD,
                            heap="2g", pagecache="2g")
        with server:
            yield server.bolt_uri, "neo4j", PASSWORD


@contextlib.contextmanager
def api_server(uri: str, user: str, password: str, tokens: str):
    port = free_port()
    env = {**os.environ, "NEO4J_URI": uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password,
           "REFGRAPH_TOKENS": tokens, "REFGRAPH_RATE_LIMIT_PER_S": "0"}  # measure, do not throttle
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.main:create_app", "--factory",
         "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
