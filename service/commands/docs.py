"""``refgraph docs routes|errors|settings``: the reference pages written from the code
(docs/routes.md, docs/errors.md, docs/settings.md); tests check each page is current."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(help="Print a reference page written from the code (redirect it into docs/).",
                  no_args_is_help=True)


@app.command()
def routes() -> None:
    """docs/routes.md: every operation, from the OpenAPI document."""
    from service.api.reference import markdown
    from service.config import Settings
    from service.main import create_app

    sys.stdout.write(markdown(create_app(Settings(neo4j_uri="bolt://localhost:7687")).openapi()))


@app.command()
def errors() -> None:
    """docs/errors.md: every error code, from the catalogue."""
    from service.api.catalogue import markdown

    sys.stdout.write(markdown())
