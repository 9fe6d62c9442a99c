"""``refgraph neo4j``: the local Neo4j server, from Maven Central, run by refgraph.

    refgraph neo4j fetch        resolve the Neo4j server from Maven Central once
    refgraph neo4j run          only the local Neo4j, in the foreground
    refgraph neo4j start|stop|status   the local Neo4j in the background
"""

from __future__ import annotations

import contextlib
import time

import typer
from neo4j import GraphDatabase
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from rich.table import Table

from service.commands.output import console
from service.config import Settings
from service.local_neo4j import LocalNeo4j, ensure_classpath

app = typer.Typer(help="The local Neo4j server.", no_args_is_help=True)


def local_server(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(
        home=settings.data_dir,
        classpath=ensure_classpath(settings.cache_dir),
        bolt_port=settings.neo4j_bolt_port,
        http_port=settings.neo4j_http_port,
        user=settings.neo4j_user,
        password=settings.neo4j_password.get_secret_value(),
        heap=settings.neo4j_heap,
        pagecache=settings.neo4j_pagecache,
        transaction_memory=settings.neo4j_transaction_memory,
        browser_style_url=f"http://localhost:{settings.api_port}/browser.grass",
    )


@app.command("fetch")
def neo4j_fetch() -> None:
    """Resolve the Neo4j server and Browser from Maven Central (once; cached after)."""
    settings = Settings()
    classpath = ensure_classpath(settings.cache_dir)
    console.print(f"Neo4j server ready: {len(classpath.split(':'))} jars (cache {settings.cache_dir})")


@app.command("run")
def neo4j_run() -> None:
    """Run only the local Neo4j in the foreground; Ctrl-C stops it."""
    settings = Settings()
    with local_server(settings) as server:
        console.print(
            f"Neo4j Browser {server.browser_url}  Bolt {server.bolt_uri}  "
            f"user {settings.neo4j_user}  data {server.home}\nCtrl-C stops it."
        )
        with contextlib.suppress(KeyboardInterrupt):
            while server.running():
                time.sleep(1)


@app.command("start")
def neo4j_start() -> None:
    """Start the local Neo4j in the background (refgraph serve then uses it)."""
    settings = Settings()
    server = local_server(settings)
    if (pid := server.running_pid()) is not None:
        console.print(f"Neo4j is already running in {server.home} (pid {pid}).")
        return
    server.start(detached=True)
    console.print(f"Neo4j started in {server.home} (pid {server.pid})\n"
                  f"Browser {server.browser_url}  Bolt {server.bolt_uri}  user {settings.neo4j_user}")


@app.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j started by `refgraph neo4j start`."""
    server = local_server(Settings())
    console.print("Stopped." if server.stop_running() else f"No Neo4j is running in {server.home}.")


@app.command("status")
def neo4j_status() -> None:
    """Whether the local Neo4j runs, and whether it answers."""
    settings = Settings()
    server = local_server(settings)
    pid = server.running_pid()
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("Data", str(server.home))
    table.add_row("Process", f"running (pid {pid})" if pid else "not running")
    if pid:
        try:
            with GraphDatabase.driver(server.bolt_uri, auth=(settings.neo4j_user,
                                      settings.neo4j_password.get_secret_value())) as driver:
                info = driver.get_server_info()
            table.add_row("Bolt", f"{server.bolt_uri} answers ({info.agent})")
        except (ServiceUnavailable, Neo4jError, OSError) as exc:
            table.add_row("Bolt", f"{server.bolt_uri} does not answer: {exc}")
        table.add_row("Browser", server.browser_url)
    console.print(table)
    if not pid:
        raise typer.Exit(3)
