"""What ``refgraph serve`` prints before it serves: where everything is and, on loopback
only, the credentials to try it with."""

from __future__ import annotations

from rich.table import Table

from service.commands.output import console
from service.config import Settings, is_loopback
from service.local_neo4j import LocalNeo4j


def banner(settings: Settings, server: LocalNeo4j | None, host: str, port: int) -> None:
    """The addresses, and the Neo4j password and static tokens only when the API listens
    on loopback in a local environment: beyond it (``0.0.0.0``, a LAN address) the
    terminal, and any log that keeps it, gets where they are set instead."""
    api = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    shown = settings.environment == "local" and is_loopback(host)
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("API", api)
    table.add_row("API docs", f"{api}/docs")
    table.add_row("Console", f"{api}/console")
    table.add_row("Health", f"{api}/healthz")
    if server is not None:
        table.add_row("Neo4j Browser", server.browser_url)
    table.add_row("Bolt URI", settings.neo4j_uri or "")
    table.add_row("Neo4j user", settings.neo4j_user)
    tokens = settings.token_workspaces()
    if shown:
        table.add_row("Neo4j password", settings.neo4j_password.get_secret_value())
        for token, workspace in tokens.items():
            table.add_row("API token", f"{token}  (workspace '{workspace}')")
    else:
        why = f"not printed: listening on {host}" if settings.environment == "local" else "not printed"
        table.add_row("Neo4j password", f"NEO4J_PASSWORD ({why})")
        workspaces = ", ".join(f"'{w}'" for w in dict.fromkeys(tokens.values())) or "none"
        table.add_row("API tokens", f"{len(tokens)} in REFGRAPH_TOKENS (workspaces {workspaces}; {why}); "
                                    "database tokens: refgraph token list")
    if server is not None:
        table.add_row("Data", str(server.home))
    if settings.access_log not in ("", "-"):
        table.add_row("Access log", f"{settings.access_log}  (one JSON line a request)")
    console.print(table)
    token = next(iter(tokens), "TOKEN") if shown else "$TOKEN"
    console.print(f"Try: curl -H 'Authorization: Bearer {token}' {api}/v1/workspace")
    console.print("Ctrl-C stops the API" + (" and Neo4j." if server and server.running() else "."))
