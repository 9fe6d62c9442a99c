"""The API's trust boundary, tried as an attacker would: nothing is written before
authentication, limits follow the token (not the header's spelling), scopes follow the
matched route (not a prefix of the path), and memory stays bounded under floods."""

import contextlib
import json
import uuid

import httpx

from service.api.idempotency import purge_expired
from service.config import Settings
from service.main import create_app
from service.metrics import IDEMPOTENCY_KEYS_PURGED
from service.store import tokens as token_store
from service.store.queries import Queries
from tests.conftest import api_for, settings_for
from tests.integration.helpers import ORDER, external_ids


def make_token(graph, workspace, scope):
    made = token_store.create(graph, "neo4j", Queries.load(Settings().cypher_dir), workspace, scope)
    return made["id"], made["token"]


def as_token(token):
    return {"Authorization": f"Bearer {token}"}


def keys_ending(graph, key):
    records, _, _ = graph.execute_query(
        "MATCH (k:_IdempotencyKey) WHERE k.key ENDS WITH $key RETURN k.key AS key", key=":" + key)
    return [r["key"] for r in records]


async def test_a_request_without_a_valid_token_writes_nothing(api, graph):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer rg_made-up"}):
        key = f"unauth-{uuid.uuid4().hex}"
        refused = await api.client.post("/v1/objects/Person", json={"external_id": "p"},
                                        headers={"Authorization": "", **headers, "Idempotency-Key": key})
        assert refused.status_code == 401, refused.text
        assert keys_ending(graph, key) == []
    assert external_ids(graph, api.workspace, "Person") == []


async def test_a_replay_needs_a_token_that_is_valid_now(neo4j_target, graph):
    async with api_for(neo4j_target, token_cache_s=0) as api:
        token_id, token = make_token(graph, api.workspace, "write")
        key = f"revoked-later-{uuid.uuid4().hex}"  # a key of its own: the Neo4j may hold other runs' keys
        headers = {**as_token(token), "Idempotency-Key": key}
        first = await api.client.post("/v1/objects/Person", json={"external_id": "p"}, headers=headers)
        assert first.status_code == 201
        assert keys_ending(graph, key) == [f"{token_id}:{key}"]  # by token id
        token_store.revoke(graph, "neo4j", Queries.load(Settings().cypher_dir), token_id)
        replay = await api.client.post("/v1/objects/Person", json={"external_id": "p"}, headers=headers)
        assert replay.status_code == 401 and "idempotent-replayed" not in replay.headers


async def test_keys_and_rates_follow_the_token_not_the_headers_spelling(neo4j_target):
    async with api_for(neo4j_target, rate_limit_per_s=0.1, rate_limit_burst=3) as api:
        spellings = [f"Bearer {api.token}", f"bearer  {api.token}", f"BEARER {api.token} "]
        answers = []
        for spelling in spellings:
            answers.append(await api.client.post("/v1/objects/Person", json={"external_id": "p"},
                                                 headers={"Authorization": spelling, "Idempotency-Key": "k"}))
        assert [a.status_code for a in answers] == [201, 201, 201]
        assert [a.headers.get("idempotent-replayed") for a in answers] == [None, "true", "true"]
        limited = await api.client.get("/v1/workspace", headers={"Authorization": f"bearer   {api.token}"})
        assert limited.status_code == 429, "one bucket for every spelling of the token"


async def test_failed_authentications_are_limited_per_address(neo4j_target):
    async with api_for(neo4j_target, auth_failures_per_s=0.1, auth_failure_burst=3) as api:
        guesses = [await api.client.get("/v1/types", headers=as_token(f"rg_{i}")) for i in range(5)]
        assert [g.status_code for g in guesses] == [401, 401, 401, 429, 429]
        assert guesses[3].json()["error"]["details"]["limit"] == "REFGRAPH_AUTH_FAILURES_PER_S"
        assert (await api.client.get("/v1/types")).status_code == 200, "a static token is still served"


async def test_a_guesser_cannot_lock_a_database_token_out_even_after_a_restart(neo4j_target, graph):
    """Issue 32: once an address's failed authentications are spent, a valid database
    token from it is still served, by a process that has never seen it (a restart,
    another worker); only tokens that are not valid wait. The look-ups this costs are
    bounded: while every slot for a spent address is taken, an unknown token waits too."""
    limits = {"auth_failures_per_s": 0.01, "auth_failure_burst": 3}
    async with api_for(neo4j_target, **limits) as first:
        _, admin = make_token(graph, first.workspace, "admin")
        assert (await first.client.get("/v1/workspace", headers=as_token(admin))).status_code == 200
    async with api_for(neo4j_target, **limits) as restarted:  # a new process: no memory of the token
        guesses = [await restarted.client.get("/v1/types", headers=as_token(f"rg_guess{i}")) for i in range(3)]
        assert [g.status_code for g in guesses] == [401, 401, 401]
        served = await restarted.client.get("/v1/workspace", headers=as_token(admin))
        assert served.status_code == 200, served.text
        assert served.json()["id"] == first.workspace
        for bad in ("rg_another-guess", "not-even-a-token", f"{admin}x"):
            assert (await restarted.client.get("/v1/types", headers=as_token(bad))).status_code == 429, bad
        assert (await restarted.client.get("/v1/types", headers={"Authorization": ""})).status_code == 429
        _, other = make_token(graph, first.workspace, "read")
        gate = restarted.app.state.rate_limits.spent_lookups
        with contextlib.ExitStack() as held:
            assert all(held.enter_context(gate.slot()) for _ in range(gate.cap))  # every slot busy
            busy = await restarted.client.get("/v1/types", headers=as_token(other))
            assert busy.status_code == 429 and busy.headers["Retry-After"], busy.text
        assert (await restarted.client.get("/v1/types", headers=as_token(other))).status_code == 200


async def test_a_flood_of_random_tokens_costs_bounded_memory(neo4j_target):
    async with api_for(neo4j_target, token_cache_size=50, auth_failures_per_s=0) as api:
        for i in range(300):
            assert (await api.client.get("/v1/types", headers=as_token(f"rg_{uuid.uuid4().hex}"))).status_code == 401
        assert len(api.app.state.token_store._cache) <= 50


@contextlib.asynccontextmanager
async def behind_a_prefix(neo4j_target, token_of, **settings):
    """The app under a root path (a proxy's prefix, or uvicorn --root-path)."""
    workspace, static = f"ws_{uuid.uuid4().hex[:12]}", f"tok-{uuid.uuid4().hex}"
    app = create_app(settings_for(neo4j_target, tokens=f"{static}:{workspace}", **settings))
    transport = httpx.ASGITransport(app=app, root_path="/api")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://refgraph.test") as client:
            yield client, workspace, token_of(workspace) or static


async def test_a_path_prefix_does_not_change_a_routes_scope_limits_or_idempotency(neo4j_target, graph):
    tokens = {}
    async with behind_a_prefix(neo4j_target, lambda ws: tokens.setdefault(ws, make_token(graph, ws, "write")[1]),
                               token_cache_s=0, rate_limit_per_s=0.1, rate_limit_burst=3) as (client, ws, token):
        created = await client.post("/api/v1/types", json=ORDER, headers=as_token(token))
        assert created.status_code == 403, created.text
        headers = {**as_token(token), "Idempotency-Key": "prefixed"}
        first = await client.post("/api/v1/objects/Person", json={"external_id": "p"}, headers=headers)
        again = await client.post("/api/v1/objects/Person", json={"external_id": "p"}, headers=headers)
        assert (first.status_code, again.headers.get("idempotent-replayed")) == (201, "true")
        assert (await client.get("/api/v1/types", headers=as_token(token))).status_code == 429


async def test_connector_header_values_are_shown_to_admins_only(api, graph, remote):
    spec = {"name": "shop", "object_type": "Person",
            "request": {"url": f"{remote.url}/orders", "headers": {"X-Api-Key": "key-in-a-header"}},
            "response": {"records": "data.orders", "external_id": "id"}}
    created = await api.client.post("/v1/connectors", json=spec)
    assert created.status_code == 201, created.text
    _, read = make_token(graph, api.workspace, "read")
    for path in (f"/v1/connectors/{created.json()['id']}", "/v1/connectors"):
        admin_view = (await api.client.get(path)).text
        read_view = (await api.client.get(path, headers=as_token(read))).text
        assert "key-in-a-header" in admin_view and "key-in-a-header" not in read_view
        assert "X-Api-Key" in read_view


async def test_expired_idempotency_keys_are_purged_in_batches(api, graph):
    before = IDEMPOTENCY_KEYS_PURGED._value.get()
    prefix = f"purge-test-{uuid.uuid4().hex}:"
    graph.execute_query(
        "UNWIND range(1, 2500) AS i CREATE (:_IdempotencyKey {key: $prefix + i, state: 'done', "
        "created_at: datetime() - duration('P2D')})", prefix=prefix)
    key = f"fresh-{uuid.uuid4().hex}"
    fresh = await api.client.post("/v1/objects/Person", json={"external_id": "p"},
                                  headers={"Idempotency-Key": key})
    assert fresh.status_code == 201
    removed = await purge_expired(api.app.state.db)
    # Another app's background purge (any process on this Neo4j) may take some of them
    # meanwhile: what this purge removed is counted, and none of the 2,500 is left.
    assert IDEMPOTENCY_KEYS_PURGED._value.get() - before >= removed
    left, _, _ = graph.execute_query("MATCH (k:_IdempotencyKey) WHERE k.key STARTS WITH $prefix RETURN count(k) AS n",
                                     prefix=prefix)
    assert left[0]["n"] == 0
    records, _, _ = graph.execute_query(
        "MATCH (k:_IdempotencyKey) WHERE k.created_at < datetime() - duration('P1D') RETURN count(k) AS n")
    assert records[0]["n"] == 0
    assert len(keys_ending(graph, key)) == 1


async def test_a_30_mb_record_of_unknown_keys_gets_a_short_refusal(api, graph):
    attributes = {f"unknown_attribute_{i:06d}_{'x' * 120}": 1 for i in range(200_000)}
    body = json.dumps({"external_id": "p", "attributes": attributes}).encode()
    assert 30_000_000 < len(body) < Settings().max_body_bytes
    response = await api.client.post("/v1/objects/Person", content=body,
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and len(response.content) < 100_000, len(response.content)
    assert "attributes" in response.json()["error"]["message"]
    assert external_ids(graph, api.workspace, "Person") == []


UNREADABLE = {  # a body that cannot become JSON, and the words the refusal must say it with
    "invalid JSON": (b'{"external_id": ', "application/json", "not valid JSON (Expecting value at offset 16)"),
    "not UTF-8": (b'{"external_id": "\xff\xfe"}', "application/json", "UTF-8"),
    "latin-1, declared": (b'{"external_id": "caf\xe9"}', "application/json; charset=latin-1", "UTF-8"),
    "nested 100,000 deep": (b"[" * 100_000, "application/json", "nested"),
}


async def test_a_body_that_is_not_json_is_a_documented_422_that_changes_nothing(api, graph):
    """Issue 32: bytes that are not UTF-8 (or JSON nested past Python's recursion) were
    `400 bad_request` 'There was an error parsing the body', a status the OpenAPI
    document does not list and a message that says nothing of what was wrong."""
    await api.client.post("/v1/types", json=ORDER)
    ada = await api.client.post("/v1/objects/Person", json={"external_id": "ada", "attributes": {"name": "Ada"}})
    routes = [("POST", "/v1/types"), ("PATCH", "/v1/types/Order"), ("POST", "/v1/objects/Person"),
              ("PATCH", f"/v1/objects/Person/{ada.json()['id']}"), ("POST", "/v1/webhooks")]
    before = [(await api.client.get(path)).json() for path in ("/v1/types", "/v1/objects/Person", "/v1/webhooks")]
    documented = (await api.client.get("/openapi.json")).json()["paths"]
    for method, path in routes:
        template = "/v1/objects/{type}/{id}" if path.startswith("/v1/objects/Person/") else path
        template = template.replace("/Order", "/{type}").replace("/Person", "/{type}")
        assert "422" in documented[template][method.lower()]["responses"]
        for name, (raw, content_type, words) in UNREADABLE.items():
            answer = await api.client.request(method, path, content=raw, headers={"Content-Type": content_type})
            assert answer.status_code == 422, (method, path, name, answer.text[:300])
            error = answer.json()["error"]
            assert error["code"] == "invalid_input" and error["message"].startswith("invalid request: the body")
            assert words in error["message"], (name, error["message"])
            assert error["details"]["errors"][0]["loc"][0] == "body"
    after = [(await api.client.get(path)).json() for path in ("/v1/types", "/v1/objects/Person", "/v1/webhooks")]
    assert after == before
    assert external_ids(graph, api.workspace, "Person") == ["ada"]


async def test_a_batch_refusal_lists_at_most_100_problems_and_counts_them_all(api, graph):
    records = [{"external_id": f"p-{i}", "attributes": {"no_such": i}} for i in range(5_000)]
    response = await api.client.post("/v1/objects/Person/batch", json={"records": records})
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert len(details["errors"]) == 100 and details["total"] == 5_000
    assert {e["index"] for e in details["errors"]} == set(range(100))
    invalid = [{"external_id": ""} for _ in range(5_000)]
    response = await api.client.post("/v1/objects/Person/batch", json={"records": invalid})
    details = response.json()["error"]["details"]
    assert response.status_code == 422 and len(details["errors"]) == 100 and details["total"] == 5_000
    assert external_ids(graph, api.workspace, "Person") == []


async def test_reads_follow_the_bookmarks_of_the_processes_writes(api):
    """On a cluster a read after a write must see it: every session of the process shares
    one bookmark manager, so each read waits for the last write's bookmark."""
    db = api.app.state.db
    before = set(await db.bookmarks.get_bookmarks())
    created = await api.client.post("/v1/objects/Person", json={"external_id": "bookmarked"})
    after = set(await db.bookmarks.get_bookmarks())
    assert created.status_code == 201 and after and after != before
    read = await api.client.get(f"/v1/objects/Person/{created.json()['id']}")
    assert read.status_code == 200 and read.json()["external_id"] == "bookmarked"


async def test_an_answer_that_shows_a_secret_is_never_stored_by_a_cache(api):
    """``Cache-Control: no-store`` on the answers holding a webhook's signing secret, so no
    browser, proxy or CDN keeps a copy; answers without one are left to the usual rules."""
    created = await api.client.post("/v1/webhooks", json={"url": "https://hooks.example.com/in"})
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    assert created.headers.get("cache-control") == "no-store"
    rotated = await api.client.post(f"/v1/webhooks/{created.json()['id']}/rotate_secret")
    assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
    assert rotated.headers.get("cache-control") == "no-store"
    listed = await api.client.get("/v1/webhooks")
    assert "secret" not in listed.text and listed.headers.get("cache-control") is None
