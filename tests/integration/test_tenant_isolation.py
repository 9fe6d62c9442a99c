"""One workspace cannot hurt another: a real server on loopback, two workspaces, one of
them abusing what its read token allows (issue 32). B's answers are compared as statuses,
never timed: what is measured lives in bench/isolation.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from service.main import create_app
from tests.conftest import api_for, serving, settings_for
from tests.integration.helpers import person

# A report slow enough to hold its connection for a while (REFGRAPH_REPORTS_DIR); each
# test's own marker tells its queries apart in SHOW TRANSACTIONS.
SLOW_REPORT = """// Slow
// Counts to a hundred million: holds a connection for seconds.
UNWIND range(1, 100000000) AS x
WITH count(x) AS n
RETURN n, $workspace AS workspace, 'MARKER' AS marker
"""
QUICK_REPORT = "// Quick\nRETURN $workspace AS workspace\n"


def _reports(tmp_path) -> str:
    """The slow and quick reports in ``tmp_path``; the slow one's marker."""
    marker = f"slow-{uuid.uuid4().hex}"
    (tmp_path / "slow.cypher").write_text(SLOW_REPORT.replace("MARKER", marker))
    (tmp_path / "quick.cypher").write_text(QUICK_REPORT)
    return marker


async def _slow_reports(tenants, graph, marker: str, n: int = 2) -> list[asyncio.StreamWriter]:
    """``n`` slow reports of A's, each on a connection of its own, their answers never read:
    returned once Neo4j runs them all."""
    port = int(tenants.url.rsplit(":", 1)[1])
    writers = []
    for _ in range(n):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /v1/reports/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenants.a}\r\n\r\n"
                     .encode())
        await writer.drain()
        writers.append(writer)
    await _until(lambda: _running(graph, marker) == n)
    return writers


async def _until(condition, timeout_s: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


def _running(graph, text: str) -> int:
    """How many transactions Neo4j is running a query holding ``text`` in (not this one)."""
    records, _, _ = graph.execute_query(
        "SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS $text "
        "AND NOT currentQuery CONTAINS 'SHOW TRANSACTIONS' RETURN count(*) AS n", text=text)
    return records[0]["n"]


@dataclass
class TwoTenants:
    url: str
    app: object
    a: str  # workspace A's token
    b: str  # workspace B's token
    workspace_a: str
    workspace_b: str


@contextmanager
def two_tenants(neo4j_target, **settings) -> Iterator[TwoTenants]:
    a, b = f"tok-a-{uuid.uuid4().hex}", f"tok-b-{uuid.uuid4().hex}"
    workspace_a, workspace_b = f"ws_a_{uuid.uuid4().hex[:10]}", f"ws_b_{uuid.uuid4().hex[:10]}"
    tokens = f"{a}:{workspace_a},{b}:{workspace_b}"
    app = create_app(settings_for(neo4j_target, tokens=tokens, **{"admission_scale": 1, **settings}))
    with serving(app) as url:
        yield TwoTenants(url, app, a, b, workspace_a, workspace_b)


async def _long_poll(port: int, token: str) -> asyncio.StreamWriter:
    """A long-poll sent on its own connection, its answer never read (the client stays or goes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /v1/events?wait=30 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    writer.reader = reader  # type: ignore[attr-defined]
    return writer


async def _status_line(writer) -> bytes:
    return await asyncio.wait_for(writer.reader.readline(), 10)


async def test_600_long_polls_from_one_workspace_leave_another_answering(neo4j_target):
    # A small pool: before waits held no connection, 600 of them polling Neo4j emptied it.
    with two_tenants(neo4j_target, neo4j_max_connections=8) as tenants:
        port = int(tenants.url.rsplit(":", 1)[1])
        async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.b}"},
                                     timeout=30) as b:
            assert (await b.get("/v1/events")).status_code == 200
            polls = [await _long_poll(port, tenants.a) for _ in range(600)]
            statuses = Counter()
            for _ in range(40):  # B reads while A's polls are open
                statuses[(await b.get("/v1/objects/Person")).status_code] += 1
                statuses[(await b.get("/v1/events")).status_code] += 1
            assert statuses == Counter({200: 80}), statuses

            # A's polls over its quota were refused at once, with a status that says when to retry.
            refused = []
            for writer in polls:
                try:
                    refused.append(await asyncio.wait_for(writer.reader.readline(), 0.02))
                except TimeoutError:
                    pass
            assert refused and all(b" 503 " in line for line in refused), refused[:3]
            assert len(polls) - len(refused) >= 1  # the ones admitted are still waiting

            for writer in polls:  # A gives up
                writer.close()
            heads = tenants.app.state.feed_heads
            for _ in range(100):
                if heads.waiters() == 0:
                    break
                await asyncio.sleep(0.1)
            assert heads.waiters() == 0, "abandoned long-polls kept waiting"
            assert (await b.get("/v1/objects/Person")).status_code == 200


async def test_a_long_poll_is_woken_by_a_write_and_answers_it(neo4j_target):
    async with api_for(neo4j_target) as api:
        await person(api, "p0")
        end = (await api.client.get("/v1/events", params={"limit": 100})).json()["next_cursor"]
        waiting = asyncio.create_task(api.client.get("/v1/events", params={"after": end, "wait": 20}))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await person(api, "p1")
        page = (await waiting).json()
        assert [(e["type"], e["object"]["external_id"]) for e in page["data"]] == [("object.created", "p1")]


async def test_a_filtered_read_moves_past_what_it_examined_without_a_match(neo4j_target):
    async with api_for(neo4j_target) as api:
        for n in range(5):
            await person(api, f"p{n}")
        everything = (await api.client.get("/v1/events", params={"limit": 100})).json()
        first = (await api.client.get("/v1/events", params={"types": "reference.added"})).json()
        assert first["data"] == [] and not first["has_more"]
        assert first["next_cursor"] == everything["next_cursor"]  # not back at the start
        # A waiting filtered read resumes from there: a matching write answers it.
        waiting = asyncio.create_task(api.client.get(
            "/v1/events", params={"types": "object.deleted", "after": first["next_cursor"], "wait": 20}))
        await person(api, "p9")
        people = (await api.client.get("/v1/objects/Person", params={"external_id": "p0"})).json()["data"]
        assert (await api.client.delete(f"/v1/objects/Person/{people[0]['id']}")).status_code == 200
        page = (await waiting).json()
        assert [(e["type"], e["object"]["external_id"]) for e in page["data"]] == [("object.deleted", "p0")]


async def test_a_workspace_over_its_share_of_connections_gets_503_and_another_200(neo4j_target, graph, tmp_path):
    marker = _reports(tmp_path)
    with two_tenants(neo4j_target, neo4j_max_connections=4, workspace_pool_share=0.5, admission_queue_s=0.3,
                     reports_dir=tmp_path) as tenants:
        slow = await _slow_reports(tenants, graph, marker)  # A's two connections
        try:
            async with httpx.AsyncClient(base_url=tenants.url, timeout=60) as client:
                over = await client.get("/v1/objects/Person", headers={"Authorization": f"Bearer {tenants.a}"})
                other = await client.get("/v1/objects/Person", headers={"Authorization": f"Bearer {tenants.b}"})
        finally:
            for writer in slow:
                writer.close()
    assert over.status_code == 503, over.text
    assert over.json()["error"]["code"] == "over_capacity" and over.headers["Retry-After"] == "1"
    assert other.status_code == 200, other.text


async def test_a_read_stops_at_its_bound_and_the_next_goes_on_from_there(neo4j_target, monkeypatch):
    from service.services import event_feed

    monkeypatch.setattr(event_feed, "BATCHES_PER_READ", 1)
    monkeypatch.setattr(event_feed, "MAX_BATCHES_SCANNED", 2)  # the bound, small enough to see
    async with api_for(neo4j_target) as api:
        for n in range(5):
            await person(api, f"p{n}")  # a batch each
        cursors, params = [], {"types": "object.deleted"}
        while True:
            page = (await api.client.get("/v1/events", params=params)).json()
            assert page["data"] == []
            cursors.append(page["next_cursor"])
            if not page["has_more"]:
                break
            params["after"] = page["next_cursor"]
        assert cursors == ["2.0", "4.0", "5.0"]  # batches 1-2, 3-4, then 5: the end, no match


async def test_a_list_reads_its_own_workspace_only_however_many_objects_another_holds(neo4j_target, graph):
    """A's 3,000 tickets cost B's list nothing: the plan Neo4j runs for B reads B's own nodes
    (before the (workspace, id) index, every workspace's nodes of the label, then filtered)."""
    from service.config import CYPHER
    from service.store.queries import Queries

    label = f"Ticket{uuid.uuid4().hex[:8]}"
    async with api_for(neo4j_target) as a, api_for(neo4j_target) as b:
        for api in (a, b):
            assert (await api.client.post("/v1/types", json={"name": label})).status_code == 201
        records = [{"external_id": f"t{n}"} for n in range(3000)]
        assert (await a.client.post(f"/v1/objects/{label}/batch", json={"records": records})).status_code == 200
        assert (await b.client.post(f"/v1/objects/{label}", json={"external_id": "mine"})).status_code == 201
        listed = (await b.client.get(f"/v1/objects/{label}")).json()["data"]
        assert [o["external_id"] for o in listed] == ["mine"]
    graph.execute_query("CALL db.awaitIndexes(60)")
    graph.execute_query("CALL db.resampleOutdatedIndexes()")  # what Neo4j does in the background
    text = Queries.load(CYPHER)["objects/list"](Label=label)
    # Planned afresh on current statistics (the app's plan may date from those of an empty
    # label; Neo4j plans again once they have changed enough).
    profile = graph.execute_query("CYPHER replan=force PROFILE " + text, workspace=b.workspace, after=None,
                                  external_id=None, limit=50).summary.profile

    def hits(plan) -> int:
        return plan.get("dbHits", 0) + sum(hits(child) for child in plan.get("children", []))

    assert hits(profile) < 100, hits(profile)


@contextmanager
def _locked(graph, workspace: str, external_id: str) -> Iterator[None]:
    """The person ``external_id`` of ``workspace`` write-locked by a transaction of another
    client (as a Browser user's open write would): a batch that changes it waits in Neo4j,
    holding its admission slot, until the block ends."""
    with graph.session() as session:
        tx = session.begin_transaction()
        try:
            tx.run("MATCH (p:Person {workspace: $ws, external_id: $e}) SET p.locked = true",
                   ws=workspace, e=external_id).consume()
            yield
        finally:
            tx.rollback()


async def _held_batch(tenants: TwoTenants, graph) -> tuple[asyncio.Task, Callable]:
    """A's batch changing a person another transaction has locked: in flight until released."""
    async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"}) as a:
        assert (await a.post("/v1/objects/Person", json={"external_id": "held"})).status_code == 201
    lock = _locked(graph, tenants.workspace_a, "held")
    lock.__enter__()

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"},
                                     timeout=30) as a:
            return await a.post("/v1/objects/Person/batch",
                                json={"records": [{"external_id": "held", "attributes": {"name": "Held"}}]})

    first = asyncio.create_task(send())
    try:
        await _until(lambda: _blocked(graph) > 0)  # admitted, and waiting for the lock
        assert not first.done()
    except BaseException:
        lock.__exit__(None, None, None)
        raise
    return first, lambda: lock.__exit__(None, None, None)


def _blocked(graph) -> int:
    """How many transactions wait for a lock another holds."""
    records, _, _ = graph.execute_query(
        "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) AS n")
    return records[0]["n"]


async def test_a_workspace_writes_one_batch_at_a_time_and_another_writes_meanwhile(neo4j_target, graph):
    """One batch in flight per workspace: A's second batch waits for its first (one waiting
    for a lock another client holds), then answers 503; B's batch goes through meanwhile.
    Before, each workspace had four in flight and a flood of them tripled another tenant's
    latency (bench/isolation.py)."""
    with two_tenants(neo4j_target, admission_queue_s=0.3) as tenants:
        first, release = await _held_batch(tenants, graph)
        try:
            async with httpx.AsyncClient(base_url=tenants.url, timeout=30) as client:
                second = await client.post("/v1/objects/Person/batch", json={"records": [{"external_id": "a-2"}]},
                                           headers={"Authorization": f"Bearer {tenants.a}"})
                other = await client.post("/v1/objects/Person/batch", json={"records": [{"external_id": "b-1"}]},
                                          headers={"Authorization": f"Bearer {tenants.b}"})
        finally:
            release()
        done = await asyncio.wait_for(first, 30)
        async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"}) as a:
            people = (await a.get("/v1/objects/Person")).json()["data"]
    assert second.status_code == 503, second.text
    assert second.json()["error"]["code"] == "over_capacity" and second.headers["Retry-After"] == "1"
    assert other.status_code == 200, other.text
    assert done.status_code == 200, done.text
    assert {(p["external_id"], p["attributes"].get("name")) for p in people} == {("held", "Held")}


async def test_a_slow_upload_does_not_hold_its_workspace_batch_slot(neo4j_target):
    """The body is read before the slot is taken (only parsing and writing hold it): a batch
    whose body trickles in does not keep the workspace's other writers waiting."""
    with two_tenants(neo4j_target, admission_queue_s=0.3) as tenants:
        port = int(tenants.url.rsplit(":", 1)[1])
        body = b'{"records": [{"external_id": "slow-1"}]}'
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"POST /v1/objects/Person/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenants.a}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        await writer.drain()
        await asyncio.sleep(0.3)  # A's first batch still arriving
        async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"},
                                     timeout=30) as a:
            second = await a.post("/v1/objects/Person/batch", json={"records": [{"external_id": "a-2"}]})
            writer.write(body[10:])
            await writer.drain()
            first = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
    assert second.status_code == 200, second.text
    assert first.startswith(b"HTTP/1.1 200")


async def test_a_batch_over_the_waiting_cap_is_refused_before_its_body_is_read(neo4j_target, graph):
    """A's batch in flight and four waiting (the cap, at scale 1): the next waits a second
    for a place, then is refused before its body is read, and its connection closed, so a
    client that does not wait for Retry-After cannot pour bodies into the API. Those
    waiting go through after."""
    with two_tenants(neo4j_target, admission_queue_s=20) as tenants:
        port = int(tenants.url.rsplit(":", 1)[1])
        waiting = tenants.app.state.admission._waiting
        first, let_go = await _held_batch(tenants, graph)
        released: list[bool] = []

        def release() -> None:
            if not released:
                released.append(True)
                let_go()

        try:
            async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"},
                                         timeout=30) as a:
                queued = [asyncio.create_task(a.post("/v1/objects/Person/batch",
                                                     json={"records": [{"external_id": f"q-{i}"}]}))
                          for i in range(4)]
                await _until(lambda: waiting[("batch", f"w:{tenants.workspace_a}")] == 4)
                began = time.monotonic()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(f"POST /v1/objects/Person/batch HTTP/1.1\r\nHost: x\r\n"
                             f"Authorization: Bearer {tenants.a}\r\nContent-Type: application/json\r\n"
                             f"Content-Length: 10000000\r\n\r\n".encode())  # and not one byte of it
                await writer.drain()
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                took = time.monotonic() - began
                closed = await asyncio.wait_for(reader.read(), 10)  # the body, then the end of the connection
                writer.close()
                release()
                answers = [await asyncio.wait_for(task, 60) for task in queued]
        finally:
            release()
        await asyncio.wait_for(first, 30)
    assert head.startswith(b"HTTP/1.1 503") and b"connection: close" in head.lower(), head
    assert 0.9 <= took < 5  # it waited a second for a place first: a client that sends again at once is slowed
    assert b"over_capacity" in closed
    assert [answer.status_code for answer in answers] == [200] * 4


async def test_an_import_waits_while_its_workspace_writes_another_batch(neo4j_target, graph, tmp_path):
    """``refgraph import`` sends a batch again after Retry-After while the workspace's batch
    slot is taken (before, the first 503 ended the import)."""
    from service.services.importer import import_file

    with two_tenants(neo4j_target, admission_queue_s=0.2) as tenants:
        first, release = await _held_batch(tenants, graph)
        (tmp_path / "people.csv").write_text("external_id\nimp-1\nimp-2\n")
        with httpx.Client(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"}, timeout=30) as client:
            importing = asyncio.create_task(asyncio.to_thread(import_file, client, "Person", tmp_path / "people.csv"))
            try:
                await asyncio.sleep(1.5)  # the import's first tries answered 503
                assert not importing.done()
            finally:
                release()
            assert (await asyncio.wait_for(first, 30)).status_code == 200
            summary = await asyncio.wait_for(importing, 30)
            people = client.get("/v1/objects/Person").json()["data"]
        assert (summary.created, summary.failed) == (2, {})
        assert {p["external_id"] for p in people} == {"held", "imp-1", "imp-2"}


async def test_a_report_whose_client_goes_stops_in_neo4j_and_frees_its_slot(neo4j_target, graph, tmp_path):
    """Two slow reports (A's quota) abandoned: their Neo4j queries end and a third report
    is admitted at once. Before, only long-polls stopped with their client: the reports
    ran on for seconds, holding both slots (the third answered 503)."""
    marker = _reports(tmp_path)
    with two_tenants(neo4j_target, admission_queue_s=0.3, reports_dir=tmp_path) as tenants:
        for writer in await _slow_reports(tenants, graph, marker):
            writer.close()
        await _until(lambda: _running(graph, marker) == 0, timeout_s=5)
        async with httpx.AsyncClient(base_url=tenants.url, headers={"Authorization": f"Bearer {tenants.a}"},
                                     timeout=30) as a:
            quick = await a.get("/v1/reports/quick")
    assert quick.status_code == 200, quick.text




async def test_the_console_takes_the_same_report_slots_as_the_api(neo4j_target, graph, tmp_path):
    """A's two slow reports through the API hold A's report quota: A's console report page
    answers 503 with Retry-After meanwhile, B's console runs its report. Before, the
    console's reports and searches were admitted nowhere."""
    from tests.integration.test_console_security import console

    marker = _reports(tmp_path)
    with two_tenants(neo4j_target, admission_queue_s=0.3, reports_dir=tmp_path) as tenants:
        slow = await _slow_reports(tenants, graph, marker)

        def pages() -> tuple[httpx.Response, httpx.Response]:
            live = type("Live", (), {"url": tenants.url})
            a, b = console(live, tenants.a), console(live, tenants.b)
            try:
                return a.get("/console/reports/quick?run=1"), b.get("/console/reports/quick?run=1")
            finally:
                a.close()
                b.close()

        try:
            mine, other = await asyncio.to_thread(pages)
        finally:
            for writer in slow:
                writer.close()
    assert mine.status_code == 503 and mine.headers["Retry-After"] == "1", mine.text
    assert "too many searches or reports running at once" in mine.text
    assert other.status_code == 200 and tenants.workspace_b in other.text
