"""Neo4j killed in the middle of a stream of batch ingests: the API answers 503 while it
is down, recovers by itself, and after retrying the failed batches every batch is
whole, none twice; the store then passes Neo4j's consistency checker."""

import asyncio
import os
import signal
import threading

import httpx

from service.config import Settings
from service.local_neo4j import LocalNeo4j, ensure_classpath
from service.main import create_app
from tests.conftest import free_port, settings_for, Neo4jTarget

BATCHES, SIZE = 40, 250
ORDER = {"name": "Order", "attributes": [{"name": "n", "data_type": "integer"}]}


def batch(i):
    return {"records": [{"external_id": f"o-{i}-{k}", "attributes": {"n": k}} for k in range(SIZE)]}


def counts(server, workspace):
    from neo4j import GraphDatabase

    with GraphDatabase.driver(server.bolt_uri, auth=("neo4j", "fault-pw")) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (o:Order {workspace: $ws}) RETURN split(o.external_id, '-')[1] AS b, count(*) AS c, "
            "count(DISTINCT o.external_id) AS d", ws=workspace)
    return {int(r["b"]): (r["c"], r["d"]) for r in records}


async def test_kill_neo4j_mid_stream_then_recover_retry_and_check(tmp_path):
    server = LocalNeo4j(home=tmp_path / "neo4j", classpath=ensure_classpath(Settings().cache_dir),
                        bolt_port=free_port(), http_port=free_port(), password="fault-pw",
                        heap="512m", pagecache="256m")
    server.start()
    target = Neo4jTarget(uri=server.bolt_uri, user="neo4j", password="fault-pw")
    app = create_app(settings_for(target, tokens="fault-token:faults", startup_wait_s=60))
    acknowledged, failed, answers_while_down = set(), set(), []
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                         headers={"Authorization": "Bearer fault-token"}, timeout=60) as c:
                assert (await c.post("/v1/types", json=ORDER)).status_code == 201
                killed = threading.Event()

                def kill_soon():
                    while len(acknowledged) < 10:
                        threading.Event().wait(0.01)
                    os.kill(server.pid, signal.SIGKILL)
                    killed.set()

                threading.Thread(target=kill_soon, daemon=True).start()
                for i in range(BATCHES):
                    response = await c.post("/v1/objects/Order/batch", json=batch(i))
                    if response.status_code == 200:
                        acknowledged.add(i)
                        continue
                    answers_while_down.append(response)  # the batch in flight at the kill
                    failed = set(range(i, BATCHES))  # the rest of the stream waits for Neo4j
                    break
                assert killed.is_set() and failed, "the kill came after the stream"
                answers_while_down.append(await c.get("/v1/types"))
                assert [r.status_code for r in answers_while_down] == [503, 503]
                assert answers_while_down[-1].json()["error"]["code"] == "database_unavailable"

                server.stop()  # reap the killed JVM, then start on the same store
                server.start()
                for _ in range(120):  # the API reconnects by itself, no restart
                    if (await c.get("/v1/workspace")).status_code == 200:
                        break
                    await asyncio.sleep(0.5)
                before_retry = counts(server, "faults")
                assert all(before_retry.get(i, (0, 0))[0] in (0, SIZE) for i in failed), before_retry  # no partial batch
                assert all(before_retry[i] == (SIZE, SIZE) for i in acknowledged)  # every acknowledged batch is there
                for i in sorted(failed):
                    assert (await c.post("/v1/objects/Order/batch", json=batch(i))).status_code == 200
        after = counts(server, "faults")
        assert after == {i: (SIZE, SIZE) for i in range(BATCHES)}  # every batch, whole, none twice
    finally:
        server.stop()
    consistent, report = server.check_consistency()
    assert consistent, report
    print(f"batches acknowledged before the kill: {len(acknowledged)}, failed and retried: {len(failed)}; "
          f"consistency check: {report.strip().splitlines()[-1] if report.strip() else 'no output'}")
