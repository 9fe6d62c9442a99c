"""The ``refgraph`` command.

    refgraph serve          the API, on a local Neo4j unless NEO4J_URI is set (make run)
    refgraph neo4j fetch    resolve the Neo4j server from Maven Central once
    refgraph neo4j run      only the local Neo4j, in the foreground
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from service.config import Settings
from service.local_neo4j import LocalNeo4j, ensure_classpath

app = typer.Typer(
    help="refgraph: custom objects and references on Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold passwords and tokens
)
neo4j_app = typer.Typer(help="The local Neo4j server.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
console = Console()


def _local_server(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(
        home=settings.data_dir,
        classpath=ensure_classpath(settings.cache_dir),
        bolt_port=settings.neo4j_bolt_port,
        http_port=settings.neo4j_http_port,
        user=settings.neo4j_user,
        password=settings.neo4j_password.get_secret_value(),
        heap=settings.neo4j_heap,
        pagecache=settings.neo4j_pagecache,
    )


@contextlib.contextmanager
def _neo4j_for(settings: Settings) -> Iterator[tuple[Settings, LocalNeo4j | None]]:
    """The settings to serve with, starting (and afterwards stopping) a local Neo4j
    when no NEO4J_URI is set."""
    if settings.neo4j_uri:
        yield settings, None
        return
    console.print(f"Starting the local Neo4j in [bold]{settings.data_dir}[/] ...")
    with _local_server(settings) as server:
        yield settings.model_copy(update={"neo4j_uri": server.bolt_uri}), server


def _banner(settings: Settings, server: LocalNeo4j | None, host: str, port: int) -> None:
    api = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    local = settings.environment == "local"
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("API", api)
    table.add_row("API docs", f"{api}/docs")
    table.add_row("Health", f"{api}/healthz")
    if server is not None:
        table.add_row("Neo4j Browser", server.browser_url)
    table.add_row("Bolt URI", settings.neo4j_uri or "")
    table.add_row("Neo4j user", settings.neo4j_user)
    if local:
        table.add_row("Neo4j password", settings.neo4j_password.get_secret_value())
        for token, workspace in settings.token_workspaces().items():
            table.add_row("API token", f"{token}  (workspace '{workspace}')")
    if server is not None:
        table.add_row("Data", str(server.home))
    console.print(table)
    if local:
        token = next(iter(settings.token_workspaces()), "TOKEN")
        console.print(f"Try: curl -H 'Authorization: Bearer {token}' {api}/v1/workspace")
    console.print("Ctrl-C stops the API" + (" and Neo4j." if server else "."))


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (REFGRAPH_API_HOST)"),
    port: int = typer.Option(None, help="Port (REFGRAPH_API_PORT)"),
) -> None:
    """Run the API; starts a local Neo4j unless NEO4J_URI is set."""
    from service.main import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    host = host or settings.api_host
    port = port or settings.api_port
    with _neo4j_for(settings) as (served, server):
        _banner(served, server, host, port)
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.run(create_app(served), host=host, port=port, log_level="info")
    console.print("Stopped.")


@neo4j_app.command("fetch")
def neo4j_fetch() -> None:
    """Resolve the Neo4j server and Browser from Maven Central (once; cached after)."""
    settings = Settings()
    classpath = ensure_classpath(settings.cache_dir)
    console.print(f"Neo4j server ready: {len(classpath.split(':'))} jars (cache {settings.cache_dir})")


@neo4j_app.command("run")
def neo4j_run() -> None:
    """Run only the local Neo4j in the foreground; Ctrl-C stops it."""
    import time

    settings = Settings()
    with _local_server(settings) as server:
        console.print(
            f"Neo4j Browser {server.browser_url}  Bolt {server.bolt_uri}  "
            f"user {settings.neo4j_user}  data {server.home}\nCtrl-C stops it."
        )
        with contextlib.suppress(KeyboardInterrupt):
            while server.running():
                time.sleep(1)
