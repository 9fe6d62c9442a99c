"""`refgraph serve --workers 2`: two processes serve one port, their metrics add up at
/metrics whichever answers, a token's rate limit holds across them, and a purge's lease
lets one process at a time run it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from service.store import leases
from tests.conftest import free_port

BURST = 4


def served(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def requests_counted(port: int) -> float:
    """Requests /metrics has counted, all processes' together (its own scrapes left out)."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(float(value) for labels, value in
               re.findall(r'^refgraph_request_duration_seconds_count\{([^}]*)\} (\S+)$', text, re.M)
               if 'route="/metrics"' not in labels and 'route="/healthz"' not in labels)


def test_two_processes_serve_add_up_their_metrics_and_share_a_tokens_limit(neo4j_target, tmp_path: Path):
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password, "NEO4J_DATABASE": neo4j_target.database,
           "REFGRAPH_TOKENS": "workers-token:ws_workers", "REFGRAPH_RATE_LIMIT_PER_S": "0.001",
           "REFGRAPH_RATE_LIMIT_BURST": str(BURST), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--workers", "2", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not served(port):
            assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
            time.sleep(0.3)
        before = requests_counted(port)

        def ask(_: int) -> int:  # a connection of its own each: the processes share them out
            return httpx.get(f"http://127.0.0.1:{port}/v1/workspace", timeout=10,
                             headers={"Authorization": "Bearer workers-token"}).status_code

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(60)))
        assert set(answers) <= {200, 429} and answers.count(200) <= BURST, answers  # the limit holds across them
        assert answers.count(429) >= 60 - BURST
        assert requests_counted(port) - before == 60  # whichever process answered /metrics
        pids = {m.group(1) for f in tmp_path.iterdir() if (m := re.match(r"histogram_(\d+)\.db", f.name))}
        assert len(pids) >= 2, pids  # both processes served
    finally:
        server.terminate()
        server.wait(timeout=60)


async def test_a_lease_is_held_by_one_process_until_it_lapses(api):
    db = api.app.state.db
    name = f"test purge {api.workspace}"
    assert await leases.take(db, name, 60, holder="one")
    assert not await leases.take(db, name, 60, holder="two")  # another process waits
    assert await leases.take(db, name, 0.5, holder="one")  # renewed by its holder
    await asyncio.sleep(1.0)
    assert await leases.take(db, name, 60, holder="two")  # taken over once it lapsed
    assert not await leases.take(db, name, 60, holder="one")


async def test_two_processes_taking_a_lapsed_lease_at_once_do_not_both_get_it(api, graph):
    from service.config import Settings
    from service.store.queries import Queries

    db, name = api.app.state.db, f"race {api.workspace}"
    assert await leases.take(db, name, 0.1, holder="gone")
    await asyncio.sleep(0.5)  # lapsed
    take = Queries.load(Settings().cypher_dir)["leases/take"]()
    with graph.session() as session, session.begin_transaction() as one:  # one process, not yet committed
        assert one.run(take, name=name, holder="one", seconds=60).single()["held"]
        two = asyncio.create_task(leases.take(db, name, 60, holder="two"))
        await asyncio.sleep(1)
        one.commit()
    assert not await asyncio.wait_for(two, 30)  # it waited, then found the lease held
    await leases.release(db, holder="one")  # a process that stops ends its leases
    assert await leases.take(db, name, 60, holder="two")
