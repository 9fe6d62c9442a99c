"""Limits answered before a route runs, each naming the limit."""

import asyncio
import time

from tests.conftest import api_for


async def test_a_body_over_the_limit_is_413_and_writes_nothing(neo4j_target, graph):
    async with api_for(neo4j_target, max_body_bytes=2_000) as api:
        records = [{"external_id": f"p-{i}", "attributes": {"name": "x" * 50}} for i in range(100)]
        response = await api.client.post("/v1/objects/Person/batch", json={"records": records})
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["code"] == "payload_too_large" and error["details"]["limit"] == "REFGRAPH_MAX_BODY_BYTES"
        small = await api.client.post("/v1/objects/Person", json={"external_id": "ok"})
        assert small.status_code == 201
        records_in_graph, _, _ = graph.execute_query(
            "MATCH (p:Person {workspace: $ws}) RETURN p.external_id AS e", ws=api.workspace)
        assert [r["e"] for r in records_in_graph] == ["ok"]


async def test_each_token_has_its_own_rate_with_retry_after(neo4j_target):
    async with api_for(neo4j_target, rate_limit_per_s=0.1, rate_limit_burst=3) as api:  # no refill within the test
        answers = [await api.client.get("/v1/workspace") for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        limited = answers[3]
        assert 1 <= int(limited.headers["retry-after"]) <= 10
        assert limited.json()["error"]["details"]["limit"] == "REFGRAPH_RATE_LIMIT_PER_S"
        assert limited.json() == answers[4].json() and limited.headers["x-request-id"]  # however refused
        assert "connection" not in limited.headers  # nothing left unread: the connection stays
        posted = await api.client.post("/v1/objects/Person", json={"external_id": "p-1"})
        assert posted.status_code == 429 and posted.headers["connection"] == "close"  # its body is left unread
        other = await api.client.get("/v1/workspace", headers={"Authorization": "Bearer someone-else"})
        assert other.status_code == 401  # its own bucket: refused for its token, not for the rate
        assert (await api.client.get("/healthz")).status_code == 200  # health is never limited


async def test_an_expensive_request_counts_as_several(neo4j_target):
    """A search counts as 4 requests (admission.COUNTS_AS): one token's rate buys about as
    much work whether it lists or searches."""
    async with api_for(neo4j_target, rate_limit_per_s=0.01, rate_limit_burst=11) as api:  # no refill within the test
        created = await api.client.post("/v1/types", json={"name": "Ticket",
                                                           "attributes": [{"name": "title", "data_type": "string"}]})
        assert created.status_code == 201
        search = {"where": "title=x"}  # the type's creation took 1 of the 11
        answers = [await api.client.get("/v1/objects/Ticket", params=search) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]  # 1 + 4 + 4 taken; then 1 and 3 more not left
        error = answers[2].json()["error"]
        assert error["code"] == "rate_limited" and int(answers[2].headers["retry-after"]) >= 1
        assert error["details"] == {"limit": "REFGRAPH_RATE_LIMIT_PER_S", "value": 0.01, "kind": "search",
                                    "counts_as": 4}
        assert (await api.client.get("/v1/objects/Ticket")).status_code == 200  # a plain list counts as one: the last
        assert (await api.client.get("/v1/objects/Ticket")).status_code == 429


async def test_a_batch_counts_as_one_request_per_100_records(neo4j_target):
    """A batch's records cost the API's CPU whatever the requests they come in: 250
    records count as 3, so a token's rate buys about as many records in batches of any
    size. A refused batch writes nothing."""
    async with api_for(neo4j_target, rate_limit_per_s=0.01, rate_limit_burst=7) as api:  # no refill within the test
        created = await api.client.post("/v1/types", json={"name": "Ticket",
                                                           "attributes": [{"name": "title", "data_type": "string"}]})
        assert created.status_code == 201

        async def batch(first: int, n: int):
            records = [{"external_id": f"t{i}", "attributes": {"title": "x"}} for i in range(first, first + n)]
            return await api.client.post("/v1/objects/Ticket/batch", json={"records": records})

        answers = [await batch(0, 250), await batch(250, 1), await batch(251, 250)]
        assert [a.status_code for a in answers] == [200, 200, 429]  # 1 + 3 + 1 of 7 taken; 3 more not left
        error = answers[2].json()["error"]
        assert error["details"] == {"limit": "REFGRAPH_RATE_LIMIT_PER_S", "value": 0.01, "kind": "batch",
                                    "counts_as": 3}
        assert "one request per 100 records" in error["message"]
        listed = await api.client.get("/v1/objects/Ticket", params={"limit": 500})  # the last of the 7
        assert {o["external_id"] for o in listed.json()["data"]} == {f"t{i}" for i in range(251)}


async def test_a_token_just_over_its_rate_waits_for_it_rather_than_being_refused(neo4j_target):
    """A request whose token will have its rate within a second waits for it: 2.5 a
    second, a burst of 1, ten at once: the first at once, two more after 0.4 and 0.8 s,
    and the rest, which would wait longer, refused at once."""
    async with api_for(neo4j_target, rate_limit_per_s=2.5, rate_limit_burst=1) as api:
        async def timed():
            began = time.monotonic()
            answer = await api.client.get("/v1/workspace")
            return answer.status_code, time.monotonic() - began

        answers = await asyncio.gather(*(timed() for _ in range(10)))
    served = sorted(seconds for status, seconds in answers if status == 200)
    assert len(served) == 3 and sorted(status for status, _ in answers) == [200] * 3 + [429] * 7
    assert served[1] >= 0.3 and served[2] >= 0.7
    assert all(seconds < 0.3 for status, seconds in answers if status == 429)
