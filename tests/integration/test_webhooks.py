"""Webhooks: the change feed delivered to real receivers on loopback, signed by the
Standard Webhooks specification and verified with its library, at least once, in order."""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import api_for, free_port
from tests.integration.helpers import ORDER, create_types, person
from tests.integration.receiver import Receiver
from tests.integration.test_events import feed


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
async def hooked(neo4j_target, receiver):
    """An app that delivers webhooks, allowed to call the receiver."""
    async with api_for(neo4j_target, deliver_webhooks=True, webhook_disable_after_s=60,
                       webhook_allowed_hosts=f"127.0.0.1:{receiver.port}") as api:
        yield api


async def subscribe(api, receiver, **body):
    response = await api.client.post("/v1/webhooks", json={"url": receiver.url, **body})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["enabled"]
    receiver.secret = created["secret"]
    return created


async def until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_changes_arrive_signed_in_feed_order_once_each(hooked, receiver):
    await create_types(hooked, ORDER)
    await subscribe(hooked, receiver, events=["object.*", "reference.*"])
    _, start = await feed(hooked)
    await person(hooked, "cust-1")
    batch = await hooked.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": f"o-{n}", "attributes": {"order_number": f"N-{n}"},
         "references": {"customer": {"external_id": "cust-1"}}} for n in range(150)]})
    assert batch.status_code == 200
    expected, _ = await feed(hooked, start, types="object.*,reference.*")
    assert len(expected) == 301
    await until(lambda: len(receiver.events()) >= len(expected))
    assert [e["id"] for e in receiver.events()] == [e["id"] for e in expected]
    assert receiver.forged == 0
    # One transaction's 300 events came in deliveries of at most 100, not 300 requests.
    assert [len(d["events"]) for d in receiver.accepted] == [1, 100, 100, 100]
    assert receiver.accepted[0]["id"] == expected[0]["id"]

    hook = (await hooked.client.get("/v1/webhooks")).json()["data"][0]
    deliveries = (await hooked.client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["data"]
    assert [d["status"] for d in deliveries] == ["succeeded"] * 4 and deliveries[0]["http_status"] == 204
    metrics = (await hooked.client.get("/metrics")).text
    assert 'refgraph_webhook_deliveries_total{status="succeeded"}' in metrics
    assert 'refgraph_events_written_total{type="reference.added"}' in metrics
    assert re.search(r"^refgraph_webhook_lag_seconds [0-9.e+-]+$", metrics, re.M) and hook["id"] not in metrics


async def test_the_unauthenticated_metrics_name_no_webhook_and_no_workspace(hooked, receiver):
    hook = await subscribe(hooked, receiver, events=["object.created"])
    receiver.fail_until = time.monotonic() + 3600  # a failed attempt first: the endpoint lags
    await person(hooked, "p1")

    async def attempts():
        return (await hooked.client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["data"]

    deadline = time.monotonic() + 30
    while not await attempts():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    lagging = (await hooked.client.get("/metrics", headers={"Authorization": ""})).text
    assert hook["id"] not in lagging and hooked.workspace not in lagging
    receiver.fail_until = 0
    await until(lambda: len(receiver.events()) == 1)
    caught_up = (await hooked.client.get("/metrics", headers={"Authorization": ""})).text
    assert hook["id"] not in caught_up and hooked.workspace not in caught_up
    # Still useful: the attempts by outcome, and the largest lag of any endpoint, unlabelled.
    assert 'refgraph_webhook_deliveries_total{status="failed"}' in lagging
    lag = [line for line in lagging.splitlines() if line.startswith("refgraph_webhook_lag_seconds")]
    assert len(lag) == 1 and lag[0].startswith("refgraph_webhook_lag_seconds ") and float(lag[0].split()[1]) > 0


async def test_a_receiver_down_for_10_seconds_gets_everything_once_it_is_back(hooked, receiver):
    await create_types(hooked, ORDER)
    hook = await subscribe(hooked, receiver, events=["object.created"])
    receiver.fail_until = time.monotonic() + 10  # refused at least at 1, 3 and 7 s: retried with backoff
    for n in range(5):
        await person(hooked, f"p{n}")
    await until(lambda: len({e["id"] for e in receiver.events()}) == 5, timeout=120)
    assert receiver.refused >= 3 and receiver.forged == 0
    assert [e["object"]["external_id"] for e in receiver.events()] == [f"p{n}" for n in range(5)]
    deliveries = (await hooked.client.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"limit": 100})).json()
    failed = [d for d in deliveries["data"] if d["status"] == "failed"]
    assert failed and "answered 500" in failed[0]["error"]


async def test_replay_rotation_and_an_endpoint_disabled_then_resumed(neo4j_target, receiver):
    async with api_for(neo4j_target, deliver_webhooks=True, webhook_disable_after_s=2,
                       webhook_allowed_hosts=f"127.0.0.1:{receiver.port}") as api:
        hook = await subscribe(api, receiver, events=["object.created"])
        await person(api, "p1")
        await until(lambda: len(receiver.events()) == 1)

        receiver.fail_until = time.monotonic() + 3600
        await person(api, "p2")

        async def disabled():
            return not (await api.client.get(f"/v1/webhooks/{hook['id']}")).json()["enabled"]

        deadline = time.monotonic() + 30
        while not await disabled():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        shown = (await api.client.get(f"/v1/webhooks/{hook['id']}")).json()
        assert "answered 500" in shown["disabled_reason"]

        rotated = (await api.client.post(f"/v1/webhooks/{hook['id']}/rotate_secret")).json()
        assert rotated["secret"] != hook["secret"]
        receiver.secret, receiver.fail_until = rotated["secret"], 0
        assert (await api.client.patch(f"/v1/webhooks/{hook['id']}", json={"enabled": True})).status_code == 200
        await until(lambda: [e["object"]["external_id"] for e in receiver.events()] == ["p1", "p2"])

        replayed = await api.client.post(f"/v1/webhooks/{hook['id']}/replay", json={"after": "0.-1"})
        assert replayed.status_code == 200, replayed.text
        await until(lambda: len(receiver.events()) == 4)
        assert [e["object"]["external_id"] for e in receiver.events()] == ["p1", "p2", "p1", "p2"]
        assert receiver.forged == 0


async def test_an_endpoint_on_a_private_address_is_refused_when_saved(neo4j_target, receiver):
    """Said when the webhook is saved (422 naming the setting that opens a host to
    webhooks, not the connectors' one), not at its first delivery; nothing is saved. A host
    that cannot be resolved now is saved: each delivery checks the address it connects to."""
    # The receiver's port is open to connectors, not to webhooks: a list of their own.
    async with api_for(neo4j_target, connector_allowed_hosts=f"127.0.0.1:{receiver.port}") as api:
        for url in (receiver.url, f"http://localhost:{receiver.port}/", f"http://[::1]:{receiver.port}/",
                    f"http://2130706433:{receiver.port}/", "http://169.254.169.254/latest/meta-data/"):
            refused = await api.client.post("/v1/webhooks", json={"url": url})
            assert refused.status_code == 422, (url, refused.text)
            error = refused.json()["error"]
            assert (error["code"], error["details"]["field"]) == ("host_not_allowed", "url"), error
            assert "REFGRAPH_WEBHOOK_ALLOWED_HOSTS" in error["message"], error["message"]
            assert "CONNECTOR" not in error["message"] and "connectors" not in error["message"]
        saved = await api.client.post("/v1/webhooks", json={"url": "https://hooks.example.invalid/x"})
        assert saved.status_code == 201, saved.text
        moved = await api.client.patch(f"/v1/webhooks/{saved.json()['id']}", json={"url": receiver.url})
        assert moved.status_code == 422 and moved.json()["error"]["code"] == "host_not_allowed"
        listed = (await api.client.get("/v1/webhooks")).json()["data"]
        assert [hook["url"] for hook in listed] == ["https://hooks.example.invalid/x"]


async def test_an_endpoint_no_longer_allowed_is_never_called(neo4j_target, receiver):
    """Saved while an operator allowed its host, delivered after the allow-list dropped it:
    every delivery checks again, and the refusal names the webhooks' setting."""
    async with api_for(neo4j_target, webhook_allowed_hosts=f"127.0.0.1:{receiver.port}") as first:
        hook = await subscribe(first, receiver)
    async with api_for(neo4j_target, workspace=first.workspace, deliver_webhooks=True,
                       connector_allowed_hosts=f"127.0.0.1:{receiver.port}") as api:
        await person(api, "p1")

        async def attempts():
            return (await api.client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["data"]

        deadline = time.monotonic() + 20
        while not await attempts():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        first_attempt = (await attempts())[0]
        assert first_attempt["status"] == "failed" and first_attempt["error"].startswith("host_not_allowed")
        assert "REFGRAPH_WEBHOOK_ALLOWED_HOSTS" in first_attempt["error"], first_attempt["error"]
        assert "CONNECTOR" not in first_attempt["error"] and "connectors" not in first_attempt["error"]
        assert receiver.accepted == [] and receiver.refused == 0


async def test_webhooks_are_for_admin_tokens_and_check_their_input(hooked):
    bad = await hooked.client.post("/v1/webhooks", json={"url": "ftp://example.com/x"})
    assert bad.status_code == 422
    bad_events = await hooked.client.post("/v1/webhooks", json={"url": "https://example.com/x",
                                                                "events": ["orders.created"]})
    assert bad_events.status_code == 422 and bad_events.json()["error"]["code"] == "invalid_event_types"
    missing = await hooked.client.get("/v1/webhooks/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_webhook"


def start(neo4j_target, receiver, *command):
    """`refgraph serve` (an API that delivers) or `refgraph worker`, as a process."""
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password, "NEO4J_DATABASE": neo4j_target.database,
           "REFGRAPH_WEBHOOK_ALLOWED_HOSTS": f"127.0.0.1:{receiver.port}", "REFGRAPH_WEBHOOK_LEASE_S": "3",
           "REFGRAPH_WEBHOOK_TIMEOUT_S": "1"}
    return subprocess.Popen([sys.executable, "-m", "service.cli", *command], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def test_an_api_killed_mid_delivery_leaves_the_rest_to_a_worker(neo4j_target, receiver):
    """An API process delivers; killed (SIGKILL) in the middle of the deliveries, a
    `refgraph worker` takes the endpoint over once the lease runs out: every event
    arrives, a repeat only with the same webhook-id."""
    async with api_for(neo4j_target,  # writes only: this test app delivers nothing
                       webhook_allowed_hosts=f"127.0.0.1:{receiver.port}") as api:
        await subscribe(api, receiver, events=["object.created"])
        receiver.delay_s = 0.3
        for n in range(20):
            await person(api, f"p{n}")
        first = start(neo4j_target, receiver, "serve", "--port", str(free_port()))
        try:
            await until(lambda: len(receiver.accepted) >= 5, timeout=60)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            seen = len(receiver.accepted)
            second = start(neo4j_target, receiver, "worker")
            try:
                await until(lambda: {e["object"]["external_id"] for e in receiver.events()} ==
                            {f"p{n}" for n in range(20)}, timeout=90)
            finally:
                second.terminate()
                second.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        assert seen < 20  # it was killed mid-way
        ids = [d["id"] for d in receiver.accepted]
        by_id = {}
        for delivery in receiver.accepted:
            by_id.setdefault(delivery["id"], []).append(delivery["events"])
        assert all(all(events == copies[0] for events in copies) for copies in by_id.values())
        assert receiver.events()[0]["object"]["external_id"] == "p0" and len(set(ids)) == 20
        assert receiver.forged == 0


async def test_a_workspace_has_at_most_twenty_webhooks(hooked, receiver):
    for n in range(20):  # paths of the one host it may call
        created = await hooked.client.post("/v1/webhooks", json={"url": f"{receiver.url.rstrip('/')}/{n}"})
        assert created.status_code == 201, created.text
    over = await hooked.client.post("/v1/webhooks", json={"url": f"{receiver.url.rstrip('/')}/21"})
    assert over.status_code == 422 and over.json()["error"]["code"] == "quota_exceeded"
    listed = (await hooked.client.get("/v1/webhooks", params={"limit": 100})).json()["data"]
    assert len(listed) == 20
    for hook in listed:  # nothing to deliver to: they go
        assert (await hooked.client.delete(f"/v1/webhooks/{hook['id']}")).status_code == 204


async def test_a_workspace_webhook_receives_its_own_events_only(neo4j_target, receiver):
    async with api_for(neo4j_target, deliver_webhooks=True,
                       webhook_allowed_hosts=f"127.0.0.1:{receiver.port}") as mine, api_for(neo4j_target) as other:
        await subscribe(mine, receiver, events=["object.created"])
        await person(other, "theirs")
        await person(mine, "ours")
        await until(lambda: len(receiver.events()) >= 1)
        await asyncio.sleep(1.5)  # time for anything else to arrive
        assert [e["object"]["external_id"] for e in receiver.events()] == ["ours"]
        theirs, _ = await feed(other)
        assert [e["object"]["external_id"] for e in theirs if e["type"] == "object.created"] == ["theirs"]
        assert (await other.client.get("/v1/webhooks")).json()["data"] == []
        hook = (await mine.client.get("/v1/webhooks")).json()["data"][0]
        assert (await other.client.get(f"/v1/webhooks/{hook['id']}")).status_code == 404
        assert (await other.client.post(f"/v1/webhooks/{hook['id']}/replay", json={"after": "0.-1"})).status_code == 404


async def test_a_replay_past_the_end_of_the_feed_is_refused(hooked, receiver):
    hook = await subscribe(hooked, receiver)
    await person(hooked, "p1")
    _, end = await feed(hooked)
    seq, index = end.split(".")
    beyond = await hooked.client.post(f"/v1/webhooks/{hook['id']}/replay", json={"after": f"{int(seq) + 5}.0"})
    assert beyond.status_code == 422 and beyond.json()["error"]["code"] == "invalid_cursor"
    past = await hooked.client.get("/v1/events", params={"after": f"{int(seq) + 5}.0"})
    assert past.status_code == 422 and past.json()["error"]["code"] == "invalid_cursor"


async def test_a_sparse_filter_behind_more_batches_than_one_read_looks_at_still_delivers(
        hooked, receiver, monkeypatch):
    """A read stops at its bound with has_more; the deliverer delivers what it found and
    reads on, rather than waiting for a page that can never grow (it looped forever)."""
    from service.services import event_feed

    monkeypatch.setattr(event_feed, "BATCHES_PER_READ", 1)
    monkeypatch.setattr(event_feed, "MAX_BATCHES_SCANNED", 2)
    first = await person(hooked, "gone-1")
    assert (await hooked.client.delete(f"/v1/objects/Person/{first['id']}")).status_code == 200
    for n in range(5):
        await person(hooked, f"p{n}")  # a batch each after the wanted one, none of them wanted
    hook = await subscribe(hooked, receiver, events=["object.deleted"])
    replayed = await hooked.client.post(f"/v1/webhooks/{hook['id']}/replay", json={"after": "0.-1"})
    assert replayed.status_code == 200, replayed.text
    await until(lambda: [e["object"]["external_id"] for e in receiver.events()] == ["gone-1"], timeout=30)
