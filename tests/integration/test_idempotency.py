"""Idempotency-Key on writes: a retry answers the first answer and writes nothing twice."""

import asyncio
import json

from tests.conftest import api_for
from tests.integration.helpers import external_ids


async def test_a_retry_gets_the_first_answer_and_writes_once(api, graph):
    headers = {"Idempotency-Key": "create-ada-1"}
    body = {"external_id": "ada", "attributes": {"email": "ada@example.com"}}
    first = await api.client.post("/v1/objects/Person", json=body, headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    # The object changes meanwhile; the retry must not write it back.
    await api.client.patch(f"/v1/objects/Person/{first.json()['id']}", json={"attributes": {"name": "Ada"}})
    retry = await api.client.post("/v1/objects/Person", json=body, headers=headers)
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    records, _, _ = graph.execute_query("MATCH (p:Person {workspace: $ws}) RETURN p.name AS name", ws=api.workspace)
    assert [r["name"] for r in records] == ["Ada"]


async def test_the_same_key_with_another_request_is_422(api, graph):
    headers = {"Idempotency-Key": "k-1"}
    await api.client.post("/v1/objects/Person", json={"external_id": "a"}, headers=headers)
    other = await api.client.post("/v1/objects/Person", json={"external_id": "b"}, headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert external_ids(graph, api.workspace, "Person") == ["a"]


async def test_concurrent_requests_with_one_key_execute_once(api, graph):
    records = [{"external_id": f"p-{i}"} for i in range(200)]
    responses = await asyncio.gather(*(
        api.client.post("/v1/objects/Person/batch", json={"records": records}, headers={"Idempotency-Key": "batch-7"})
        for _ in range(16)))
    assert [r.status_code for r in responses] == [200] * 16
    assert {(r.json()["created"], r.json()["updated"]) for r in responses} == {(200, 0)}  # once, not 16 times
    assert sum("idempotent-replayed" in r.headers for r in responses) == 15
    assert sorted(external_ids(graph, api.workspace, "Person")) == sorted(r["external_id"] for r in records)


async def test_keys_belong_to_their_token_and_errors_are_kept_but_not_server_errors(api, neo4j_target):
    headers = {"Idempotency-Key": "shared"}
    refused = await api.client.post("/v1/objects/Nope", json={}, headers=headers)
    assert refused.status_code == 404
    again = await api.client.post("/v1/objects/Nope", json={}, headers=headers)
    assert again.status_code == 404 and again.headers["idempotent-replayed"] == "true"
    async with api_for(neo4j_target) as other:
        mine = await other.client.post("/v1/objects/Person", json={"external_id": "x"}, headers=headers)
        assert mine.status_code == 201 and "idempotent-replayed" not in mine.headers
    too_long = await api.client.post("/v1/objects/Person", json={}, headers={"Idempotency-Key": "k" * 300})
    assert too_long.status_code == 422


async def test_a_kept_answer_holds_no_secret_and_its_replay_answers_without_it(api, graph):
    """A webhook's signing secret is shown once: the answer kept for a retry (24 hours in
    the graph) is the answer without it, so no secret is at rest in :_IdempotencyKey."""
    import uuid

    create_key, rotate_key = f"hook-{uuid.uuid4().hex}", f"rotate-{uuid.uuid4().hex}"
    body = {"url": "https://hooks.example.com/refgraph", "events": ["object.created"]}
    created = await api.client.post("/v1/webhooks", json=body, headers={"Idempotency-Key": create_key})
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    hook = created.json()
    rotated = await api.client.post(f"/v1/webhooks/{hook['id']}/rotate_secret",
                                    headers={"Idempotency-Key": rotate_key})
    assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
    for key, secret in ((create_key, hook["secret"]), (rotate_key, rotated.json()["secret"])):
        records, _, _ = graph.execute_query(
            "MATCH (k:_IdempotencyKey) WHERE k.key ENDS WITH $key RETURN k.body AS body", key=":" + key)
        assert len(records) == 1 and records[0]["body"], records
        kept = records[0]["body"]
        assert secret not in kept and "whsec_" not in kept, kept
        assert json.loads(kept)["id"] == hook["id"]
    replay = await api.client.post("/v1/webhooks", json=body, headers={"Idempotency-Key": create_key})
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == {k: v for k, v in hook.items() if k != "secret"}
    assert "whsec_" not in replay.text
    again = await api.client.post(f"/v1/webhooks/{hook['id']}/rotate_secret", headers={"Idempotency-Key": rotate_key})
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert "secret" not in again.json() and "whsec_" not in again.text
    assert (await api.client.get("/v1/webhooks")).json()["data"][0]["id"] == hook["id"]  # made once
    assert len((await api.client.get("/v1/webhooks")).json()["data"]) == 1
