"""Tokens made with the CLI, stored hashed, each with a workspace and a scope."""

import os
import subprocess
import sys

import pytest

from tests.conftest import api_for
from tests.integration.helpers import ORDER


def refgraph(target, *args):
    env = {**os.environ, "NEO4J_URI": target.uri, "NEO4J_USER": target.user,
           "NEO4J_PASSWORD": target.password, "NEO4J_DATABASE": target.database, "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def make(target, workspace, scope):
    out = refgraph(target, "token", "create", "--workspace", workspace, "--scope", scope)
    token_id = out.split()[1]
    return token_id, out.strip().splitlines()[-1]


@pytest.fixture
async def api(neo4j_target):
    async with api_for(neo4j_target, token_cache_s=0) as api:
        yield api


def as_token(token):
    return {"Authorization": f"Bearer {token}"}


async def test_scopes_decide_what_a_token_may_do(api, neo4j_target, graph):
    _, read = make(neo4j_target, api.workspace, "read")
    _, write = make(neo4j_target, api.workspace, "write")
    _, admin = make(neo4j_target, api.workspace, "admin")
    c = api.client

    assert (await c.get("/v1/types", headers=as_token(read))).status_code == 200
    denied = await c.post("/v1/objects/Person", json={"external_id": "p1"}, headers=as_token(read))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "insufficient_scope"
    assert denied.json()["error"]["details"] == {"scope": "read", "needed": "write"}

    assert (await c.post("/v1/objects/Person", json={"external_id": "p1"}, headers=as_token(write))).status_code == 201
    assert (await c.post("/v1/types", json=ORDER, headers=as_token(write))).status_code == 403
    assert (await c.put("/v1/secrets/s", json={"value": "v"}, headers=as_token(write))).status_code == 403
    assert (await c.post("/v1/types", json=ORDER, headers=as_token(admin))).status_code == 201
    assert (await c.get("/v1/secrets", headers=as_token(admin))).status_code == 200

    stored, _, _ = graph.execute_query("MATCH (t:_Token {workspace: $ws}) RETURN properties(t) AS p",
                                       ws=api.workspace)
    assert len(stored) == 3 and not any(tok in str(r["p"]) for r in stored for tok in (read, write, admin))


async def test_another_workspaces_token_finds_nothing_and_a_revoked_token_is_refused(api, neo4j_target):
    person = await api.client.post("/v1/objects/Person", json={"external_id": "p1"})
    foreign_id, foreign = make(neo4j_target, "someone_else", "admin")
    hidden = await api.client.get(f"/v1/objects/Person/{person.json()['id']}", headers=as_token(foreign))
    assert hidden.status_code == 404

    listed = refgraph(neo4j_target, "token", "list")
    assert foreign_id in listed and foreign not in listed
    refgraph(neo4j_target, "token", "revoke", foreign_id)
    refused = await api.client.get("/v1/types", headers=as_token(foreign))
    assert refused.status_code == 401
    assert (await api.client.get("/v1/types", headers=as_token("rg_made-up"))).status_code == 401
