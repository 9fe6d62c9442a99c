"""The Neo4j the tests use, and the app under test.

Neo4j comes from NEO4J_URI (+ NEO4J_USER / NEO4J_PASSWORD) when set; otherwise from
testcontainers when a Docker engine answers; otherwise refgraph's own local server,
started once per session on free ports with a throw-away data directory. Each test
gets a fresh workspace and token, so tests never touch data that is not theirs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from neo4j import GraphDatabase

from service.config import Settings
from service.main import create_app

TEST_PASSWORD = "refgraph-test-password"


@dataclass(frozen=True)
class Neo4jTarget:
    uri: str
    user: str
    password: str
    database: str = "neo4j"
    browser_url: str | None = None  # Neo4j Browser, when the tests started the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


# The loopback port where the browser tests serve the API: the local Neo4j's Browser
# runs `:style http://localhost:<port>/browser.grass` after connecting, as `make run` sets up.
BROWSER_API_PORT = free_port()


@pytest.fixture(scope="session")
def neo4j_target(tmp_path_factory) -> Iterator[Neo4jTarget]:
    if os.environ.get("NEO4J_URI"):
        yield Neo4jTarget(
            uri=os.environ["NEO4J_URI"],
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ.get("NEO4J_DATABASE", "neo4j"),
        )
    elif _docker_answers():
        from testcontainers.neo4j import Neo4jContainer

        with Neo4jContainer("neo4j:5.26-community", password=TEST_PASSWORD) as container:
            yield Neo4jTarget(container.get_connection_url(), "neo4j", TEST_PASSWORD)
    else:
        from service.local_neo4j import LocalNeo4j, ensure_classpath

        server = LocalNeo4j(
            home=tmp_path_factory.mktemp("neo4j"),
            classpath=ensure_classpath(Settings().cache_dir),
            bolt_port=free_port(),
            http_port=free_port(),
            password=TEST_PASSWORD,
            heap="1g",
            pagecache="512m",
            browser_style_url=f"http://localhost:{BROWSER_API_PORT}/browser.grass",
        )
        with server:
            yield Neo4jTarget(server.bolt_uri, "neo4j", TEST_PASSWORD, browser_url=server.browser_url)


@pytest.fixture(scope="session")
def graph(neo4j_target):
    """A plain driver to read the graph back, as a user in Neo4j Browser would."""
    with GraphDatabase.driver(
        neo4j_target.uri, auth=(neo4j_target.user, neo4j_target.password)
    ) as driver:
        yield driver


# The loopback port the `remote` fixture's stand-in API listens on: the one internal
# address the tests' connectors may call (REFGRAPH_CONNECTOR_ALLOWED_HOSTS).
REMOTE_PORT = free_port()


def settings_for(target: Neo4jTarget, **overrides) -> Settings:
    values = dict(
        neo4j_uri=target.uri,
        neo4j_user=target.user,
        neo4j_password=target.password,
        neo4j_database=target.database,
        rate_limit_per_s=0,  # tests fire requests faster than any user; test_limits turns it on
        connector_allowed_hosts=f"127.0.0.1:{REMOTE_PORT}",
        deliver_webhooks=False,  # tests/integration/test_webhooks.py turns it on where it delivers
        admission_scale=8,  # the race tests write one workspace from several writers at once
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class Api:
    client: httpx.AsyncClient
    app: object
    workspace: str
    token: str


@pytest.fixture
async def api(neo4j_target) -> AsyncIterator[Api]:
    """The real app under its lifespan, with a token for a fresh workspace."""
    async with api_for(neo4j_target) as api:
        yield api


@contextlib.asynccontextmanager
async def api_for(neo4j_target: Neo4jTarget, workspace: str | None = None, **settings) -> AsyncIterator[Api]:
    workspace = workspace or f"ws_{uuid.uuid4().hex[:12]}"
    token = f"tok-{uuid.uuid4().hex}"
    app = create_app(settings_for(neo4j_target, tokens=f"{token}:{workspace}", **settings))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://refgraph.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield Api(client=client, app=app, workspace=workspace, token=token)


async def load_demo(api: Api, demo) -> None:
    for method, path, body in demo.requests():
        response = await api.client.request(method, path, json=body)
        assert response.status_code in (200, 201), f"{path}: {response.text[:300]}"


@pytest.fixture(scope="module")
async def demo_api(neo4j_target) -> AsyncIterator[tuple[Api, object]]:
    """A fresh workspace holding the demo dataset (service.services.demo), shared by a module's
    tests: they only read it."""
    from service.services.demo import build

    demo = build()
    async with api_for(neo4j_target) as api:
        await load_demo(api, demo)
        yield api, demo


@dataclass
class LiveApi:
    url: str
    token: str
    workspace: str


@pytest.fixture
def live_api(neo4j_target) -> Iterator[LiveApi]:
    """The real app served by uvicorn on a loopback port, for clients in another
    process (the CLI), with a token for a fresh workspace."""
    with live_api_server(neo4j_target) as live:
        yield live


@contextlib.contextmanager
def live_api_server(neo4j_target, port: int | None = None, **settings) -> Iterator[LiveApi]:
    workspace, token = f"ws_{uuid.uuid4().hex[:12]}", f"tok-{uuid.uuid4().hex}"
    app = create_app(settings_for(neo4j_target, tokens=f"{token}:{workspace}", **settings))
    with serving(app, port) as url:
        yield LiveApi(url, token, workspace)


@contextlib.contextmanager
def serving(app, port: int | None = None) -> Iterator[str]:
    """``app`` served by uvicorn on a loopback port (in a thread), until the block ends."""
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning",
                                           backlog=4096))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            threading.Event().wait(0.05)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def remote():
    """A business's API on loopback (tests/integration/remote.py)."""
    from tests.integration.remote import RemoteApi

    server = RemoteApi(REMOTE_PORT)
    yield server
    server.close()


@pytest.fixture(scope="session", autouse=True)
def every_error_is_in_the_catalogue():
    """Each error the app answered in this session is listed for its route in the error
    catalogue (service/api/catalogue.py), which the OpenAPI document and docs/errors.md show."""
    yield
    from service.api.catalogue import UNDECLARED

    assert not UNDECLARED, "errors answered but not in the catalogue for their route: " + ", ".join(
        f"{operation} {status} {code}" for operation, status, code in sorted(UNDECLARED))
