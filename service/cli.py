"""The ``refgraph`` command.

    refgraph serve              the API, on a local Neo4j unless NEO4J_URI is set (make run)
    refgraph demo               load the demo dataset through the API
    refgraph import TYPE FILE   a JSONL or CSV file through the batch route
    refgraph report NAME        run a report, as a table or CSV
    refgraph neo4j ...          the local Neo4j (service/commands/neo4j.py)
    refgraph token ...          API tokens, in the database (service/commands/tokens.py)

The client commands (demo, import, report) talk to a running API: --url and --token,
or REFGRAPH_URL and REFGRAPH_TOKEN; by default the local API and the first token of
the settings.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import httpx
import typer
import uvicorn
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from service.commands import docs as docs_commands
from service.commands import neo4j as neo4j_commands
from service.commands import tokens as token_commands
from service.commands.banner import banner
from service.commands.listen import listen
from service.commands.neo4j import local_server
from service.commands.output import console, exit_with
from service.commands.workers import serve_workers
from service.config import Settings
from service.local_neo4j import LocalNeo4j
from service.services import demo as demo_data
from service.services import importer


class _Cli(typer.Typer):
    """The command, with an API that cannot be reached said in one line (exit status 1),
    not as a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except httpx.TransportError as exc:
            console.print(f"cannot reach the API ({type(exc).__name__}): is it running (make run)? "
                          "Point to it with --url or REFGRAPH_URL.", style="red")
            sys.exit(1)


app = _Cli(
    help="refgraph: custom objects and references on Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold passwords and tokens
    rich_markup_mode="markdown",  # paragraphs wrapped to the terminal, not at the source's line ends
)
app.add_typer(neo4j_commands.app, name="neo4j")
app.add_typer(token_commands.app, name="token")
app.add_typer(docs_commands.app, name="docs")
app.command()(listen)


def _version(show: bool) -> None:
    if show:
        console.print(f"refgraph {metadata.version('refgraph')}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit")) -> None:
    """refgraph: custom objects and references on Neo4j."""


@contextlib.contextmanager
def _neo4j_for(settings: Settings) -> Iterator[tuple[Settings, LocalNeo4j | None]]:
    """The settings to serve with, starting (and afterwards stopping) a local Neo4j
    when no NEO4J_URI is set."""
    if settings.neo4j_uri:
        yield settings, None
        return
    local = local_server(settings)
    if local.running_pid() is not None:  # started by `refgraph neo4j start`: use it, leave it running
        console.print(Text.assemble("Using the local Neo4j already running in ", (str(settings.data_dir), "bold")))
        yield settings.model_copy(update={"neo4j_uri": local.bolt_uri}), local
        return
    console.print(Text.assemble("Starting the local Neo4j in ", (str(settings.data_dir), "bold"), " ..."))
    with local_server(settings) as server:
        yield settings.model_copy(update={"neo4j_uri": server.bolt_uri}), server


@app.command()
def worker() -> None:
    """Deliver webhooks apart from the API.

    Run it beside API processes started with REFGRAPH_DELIVER_WEBHOOKS=false (several
    workers share the endpoints). Uses NEO4J_URI, else the local Neo4j that
    `refgraph neo4j start` runs."""
    import asyncio

    from service.main import deliver_alone

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    settings = settings.model_copy(update={"neo4j_uri": settings.neo4j_uri or settings.local_bolt_uri})
    console.print(f"Delivering webhooks from {settings.neo4j_uri}; Ctrl-C stops.")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(deliver_alone(settings))


@app.command()
def serve(
    host: str = typer.Option(None, metavar="ADDRESS", help="Address to bind (REFGRAPH_API_HOST)"),
    port: int = typer.Option(None, help="Port (REFGRAPH_API_PORT)"),
    workers: int = typer.Option(None, min=1, max=64, help="API processes (REFGRAPH_WORKERS, default 1): rate "
                                "limits hold across them, metrics add up, purges run in one"),
    demo_if_empty: bool = typer.Option(False, help="Load the demo dataset when the workspace has no objects"),
) -> None:
    """Run the API; starts a local Neo4j unless NEO4J_URI is set."""
    from service.main import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the demo loader's requests
    settings = Settings()
    host = host or settings.api_host
    port = port or settings.api_port
    workers = workers or settings.workers
    problem = settings.exposure_problem(host)
    if problem:
        console.print(problem, style="red")
        raise typer.Exit(2)
    if settings.environment == "local" and not settings.access_log:  # the banner stays in view
        settings = settings.model_copy(update={"access_log": str(settings.data_dir / "logs" / "refgraph-access.log")})
        os.environ["REFGRAPH_ACCESS_LOG"] = settings.access_log  # and so for --workers' processes
    with _neo4j_for(settings) as (served, server):
        banner(served, server, host, port)
        api = create_app(served.model_copy(update={"workers": 1})) if workers == 1 else None
        if demo_if_empty:
            url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
            threading.Thread(target=_demo_when_ready, args=(url, _default_token(settings),
                                                              api.state if api else SimpleNamespace()),
                             daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            if api is not None:
                uvicorn.run(api, host=host, port=port, log_level="info",
                            access_log=False)  # refgraph.access logs each request, with its id
            else:
                serve_workers(served, host, port, workers)
    console.print("Stopped.")


def _demo_when_ready(url: str, token: str, state) -> None:
    """Once the API answers: the demo dataset, if the workspace has no objects yet. Its
    progress is ``state.demo`` (``/healthz`` shows it); the API serves meanwhile."""
    with _client(url, token) as client:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/healthz").status_code == 200:
                    break
            time.sleep(0.5)
        else:
            return
        try:
            overview = client.get("/v1/reports/schema_overview").json()["rows"]
            if any(row["instances"] for row in overview):
                return
            data = demo_data.build()
            state.demo = {"status": "loading", "objects": 0, "total": data.objects}
            console.print(f"Loading the demo dataset ({data.objects:,} objects) into workspace "
                          "'default'; the API answers meanwhile, /healthz shows the progress ...")
            started = time.monotonic()
            written = demo_data.load(client, data, lambda n: state.demo.update(objects=n))
            state.demo = {"status": "loaded", "objects": written, "total": data.objects}
            console.print(Text.assemble(("Loaded the demo dataset", "green"), f" ({written:,} objects in "
                          f"{time.monotonic() - started:.0f} s): try the queries in the README in Neo4j Browser."))
        except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
            state.demo = {"status": "failed", "error": str(exc)[:300]}
            console.print(Text.assemble(("Could not load the demo dataset:", "yellow"), f" {exc}"))


# ---- client commands: they talk to a running API --------------------------------------

URL = typer.Option(None, envvar="REFGRAPH_URL", help="API base URL (default: the local API)")
TOKEN = typer.Option(None, envvar="REFGRAPH_TOKEN", help="API token (default: the first configured token)")


def _default_token(settings: Settings) -> str:
    return next(iter(settings.token_workspaces()))


def _client(url: str | None, token: str | None) -> httpx.Client:
    settings = Settings()
    return httpx.Client(base_url=url or f"http://localhost:{settings.api_port}", timeout=300,
                        headers={"Authorization": f"Bearer {token or _default_token(settings)}"})


def _progress(hidden: bool = False) -> Progress:
    return Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=hidden)


@app.command()
def demo(url: str = URL, token: str = TOKEN,
         people: int = typer.Option(500, metavar="N", help="How many people (about 14 objects each)"),
         seed: int = typer.Option(7, metavar="N", help="The same seed gives the same data")) -> None:
    """Load the demo dataset through the API.

    People, passports, orders with items, conversations with order options and
    selections. Loading it twice changes nothing."""
    data = demo_data.build(people=people, seed=seed)
    with _client(url, token) as client, _progress() as progress:
        task = progress.add_task("demo objects", total=data.objects)
        try:
            written = demo_data.load(client, data, lambda n: progress.update(task, completed=n))
        except (httpx.HTTPError, RuntimeError) as exc:
            raise exit_with(f"demo failed: {exc}") from None
    console.print(f"Loaded {written:,} objects: {len(data.people)} people, {len(data.passports)} passports, "
                  f"{len(data.orders)} orders, {len(data.items)} items, "
                  f"{len(data.conversations)} conversations.")


@app.command("import")
def import_file(type_name: str = typer.Argument(..., metavar="TYPE"),
                file: Path = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False, help=".jsonl or .csv"),
                url: str = URL, token: str = TOKEN,
                batch: int = typer.Option(importer.DEFAULT_BATCH, metavar="N", min=1, max=10_000, help="Records per request"),
                rejects: Path = typer.Option(None, metavar="FILE", help="Write the refused lines here, as in the file "
                                             "(a CSV's header first): fix them and import that file"),
                as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON (no progress bar)"),
                match_on: str = typer.Option(None, "--match-on", metavar="ATTRIBUTE",
                                             help="Find each record's object by this unique attribute, "
                                                  "not by external_id")) -> None:
    """Import a JSONL or CSV file into TYPE through the batch route.

    Bad lines are listed with their line numbers and the exit status is 1; every good
    line is written. Importing the same file again writes nothing: its records are
    counted unchanged and keep their updated_at."""
    total = importer.record_count(file)
    with _client(url, token) as client, _progress(hidden=as_json) as progress:
        task = progress.add_task(f"{file.name} -> {type_name}", total=total)
        try:
            summary = importer.import_file(client, type_name, file, batch=batch, match_on=match_on,
                                           progress=lambda n: progress.update(task, completed=n))
        except (httpx.HTTPError, importer.ImportFailed) as exc:
            raise exit_with(f"import stopped: {exc}") from None
    if rejects is not None and summary.rejected:
        summary.write_rejects(rejects)
    if as_json:
        sys.stdout.write(json.dumps(summary.as_dict()) + "\n")
        raise typer.Exit(0 if summary.ok else 1)
    console.print(f"{summary.read:,} records read: {summary.created:,} created, {summary.updated:,} updated, "
                  f"{summary.unchanged:,} unchanged, {len(summary.failed):,} failed.")
    if not summary.ok:
        table = Table("line", "problem", title="Lines not imported")
        for number, reason in sorted(summary.failed.items())[:100]:
            table.add_row(str(number), reason)
        console.print(table)
        if len(summary.failed) > 100:
            console.print(f"... and {len(summary.failed) - 100} more")
        if rejects is not None:
            console.print(f"The {len(summary.rejected):,} refused lines are in {rejects}: fix them and import it.")
        raise typer.Exit(1)


@app.command()
def report(name: str = typer.Argument(None, metavar="[NAME]", help="the report; without it, the list of reports"),
           param: list[str] = typer.Option([], "--param", "-p", metavar="KEY=VALUE", help="k=v, repeatable"),
           csv: bool = typer.Option(False, "--csv", help="CSV on standard output"),
           as_json: bool = typer.Option(False, "--json", help="The API's JSON answer on standard output"),
           url: str = URL, token: str = TOKEN) -> None:
    """Run a report and show it as a table, as CSV or as JSON.

    The reports are those of GET /v1/reports; without a name, the list of them and their
    parameters."""
    if name is None:
        with _client(url, token) as client:
            response = client.get("/v1/reports")
        if response.status_code != 200:
            raise exit_with(importer._message(response))
        listed = response.json()
        if as_json:
            sys.stdout.write(json.dumps(listed) + "\n")
            return
        table = Table("report", "what", "parameters", title="Reports (refgraph report NAME -p k=v)")
        for item in listed["data"]:
            table.add_row(item["name"], item["title"],
                          ", ".join(f"{p['name']} ({p['type']})" for p in item["params"]))
        console.print(table)
        return
    params = dict(p.split("=", 1) for p in param if "=" in p)
    if len(params) != len(param):
        raise exit_with("--param takes key=value")
    with _client(url, token) as client:
        response = client.get(f"/v1/reports/{name}", params={**params, "format": "csv" if csv else "json"})
    if response.status_code != 200:
        raise exit_with(importer._message(response))
    if csv:
        sys.stdout.write(response.text)
        return
    result = response.json()
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    table = Table(*result["columns"], title=name)
    for row in result["rows"]:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in result["columns"]))
    console.print(table)
    if result["truncated"]:
        console.print("truncated: use --csv for every row", style="yellow")


if __name__ == "__main__":
    app()
