"""``refgraph token create|list|revoke``: API tokens kept in the database (hashed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from neo4j import GraphDatabase
from neo4j.exceptions import ServiceUnavailable
from rich.table import Table

from service.commands.output import console, exit_with
from service.config import Settings
from service.errors import DomainError
from service.store import tokens
from service.store.queries import Queries

app = typer.Typer(help="API tokens kept in the database (hashed), each for a workspace and a scope.",
                  no_args_is_help=True)


@contextlib.contextmanager
def _database() -> Iterator[tuple]:
    """A sync driver on the Neo4j refgraph uses (NEO4J_URI, else the local server),
    with the named queries."""
    settings = Settings()
    uri = settings.neo4j_uri or settings.local_bolt_uri
    with GraphDatabase.driver(uri, auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value())) as driver:
        try:
            driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            raise exit_with(f"Neo4j at {uri} does not answer ({exc}); start it with `refgraph neo4j start`") from None
        yield driver, settings.neo4j_database, Queries.load(settings.cypher_dir)


@app.command("create")
def token_create(workspace: str = typer.Option(..., help="the workspace the token opens"),
                 scope: str = typer.Option("write", metavar="read|write|admin", help="read, write or admin")) -> None:
    """Make a token. It is shown once: only its hash is kept."""
    with _database() as (driver, database, queries):
        try:
            made = tokens.create(driver, database, queries, workspace, scope)
        except DomainError as exc:
            raise exit_with(exc.message) from None
    console.print(f"Token {made['id']} for workspace '{workspace}', scope {scope}. Keep it now; "
                  "it is not shown again:")
    print(made["token"])


@app.command("list")
def token_list() -> None:
    """Every token: id, workspace, scope, when made and revoked (never the token)."""
    with _database() as (driver, database, queries):
        rows = tokens.listed(driver, database, queries)
    table = Table("id", "workspace", "scope", "starts with", "created", "revoked")
    for row in rows:
        table.add_row(row["id"], row["workspace"], row["scope"], row["prefix"] + "...", row["created_at"],
                      row["revoked_at"] or "")
    console.print(table)


@app.command("revoke")
def token_revoke(token_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Revoke a token: refused within REFGRAPH_TOKEN_CACHE_S seconds (5)."""
    with _database() as (driver, database, queries):
        try:
            tokens.revoke(driver, database, queries, token_id)
        except DomainError as exc:
            raise exit_with(exc.message) from None
    console.print(f"Revoked {token_id}.")
