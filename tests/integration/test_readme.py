"""Every command in the shell blocks of the README and docs/ runs, as written, against the real app, and
prints what the README shows under it (`# ` lines; `...` stands for what varies). The
few a test cannot run here are listed with the test that checks them instead: a
command added to the README without either fails here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import live_api_server

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = "@@@ refgraph readme command done @@@"

# Commands checked elsewhere, by their first words, and why.
ELSEWHERE = {
    "make run": "what CI cannot keep running; test_cli.py::test_serve_says_the_demo_is_loading_while_the_api_answers "
                "runs `refgraph serve --demo-if-empty`, which is what it starts",
    "make test": "CI runs it (.ci/run)",
    "docker compose": "no Docker engine here; tests/unit/test_docker_compose.py reads the compose file",
    "NEO4J_URI=": "needs an Aura instance; the suite itself runs against NEO4J_URI when it is set",
    ".venv/bin/refgraph neo4j": "starts a server on the default ports; test_local_neo4j.py runs the same code",
    ".venv/bin/refgraph token revoke": "needs the printed id; test_tokens.py revokes a token through the CLI",
    "pip install": "installs into the reader's environment; the suite has it from the test extras",
}
# Commands whose exit status is not 0 on purpose (what the page says they do).
FAILING = {".venv/bin/refgraph import Order orders.jsonl": "a refused line: exit status 1"}


def shell_blocks() -> list[list[tuple[str, str]]]:
    """Each ```sh block as (command, shown output) units: a unit is the lines up to the
    next `# ` output line (a comment after a command is not output)."""
    blocks, block = [], None
    for line in (line for page in PAGES for line in page.read_text().splitlines()):
        if line.startswith("```sh"):
            block = []
        elif line.startswith("```") and block is not None:
            blocks.append(block)
            block = None
        elif block is not None:
            if line.startswith("#") and block and not block[-1][0].endswith("\\"):
                command, shown = block[-1]
                block[-1] = (command, shown + line.lstrip("#").strip())
            elif block and not block[-1][1] and _open(block[-1][0]):
                block[-1] = (block[-1][0] + "\n" + line, "")
            else:
                block.append((line, ""))
    return blocks


def _open(command: str) -> bool:
    """A command that goes on: a continuation backslash or an open single quote."""
    return command.endswith("\\") or command.count("'") % 2 == 1


def test_every_readme_command_runs_and_prints_what_the_readme_shows(neo4j_target, tmp_path):
    # docs/events.md's walkthrough: the API delivers to `refgraph listen` on loopback port 8787.
    with live_api_server(neo4j_target, deliver_webhooks=True,
                         webhook_allowed_hosts="localhost:8787,127.0.0.1:8787") as live:
        env = {**os.environ, "REFGRAPH_URL": live.url, "REFGRAPH_TOKEN": live.token, "COLUMNS": "200",
               "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
               "NEO4J_PASSWORD": neo4j_target.password,
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # as after pip install
        ran = 0
        for block in shell_blocks():
            units = [(c, s) for c, s in block if c.strip() and not any(c.startswith(p) for p in ELSEWHERE)]
            if not units:
                continue
            script = "\n".join(f"{_local(command, live)}\necho \"{MARK} $?\"" for command, _ in units)
            result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                    text=True, timeout=300)
            parts = re.split(re.escape(MARK) + r" (\d+)\n", result.stdout)
            outputs, statuses = parts[0::2], [int(s) for s in parts[1::2]]
            assert len(statuses) == len(units), result.stdout + result.stderr
            for (command, shown), output, status in zip(units, outputs, statuses):
                ran += 1
                failing = any(command.startswith(c) for c in FAILING)
                assert (status != 0) == failing, f"{command}\nexit status {status}\n{output}\n{result.stderr}"
                expected = shown.replace("default", live.workspace) if "workspace" in command else shown
                _shows(command, expected, output)
        assert ran >= 12


def _local(command: str, live) -> str:
    """The command as run here: the test's API and token, the CLI of this checkout."""
    return (command.replace("http://localhost:8000", live.url).replace("dev-token", live.token)
            .replace(".venv/bin/refgraph", f"{sys.executable} -m service.cli"))


def _shows(command: str, shown: str, output: str) -> None:
    """The output holds the README's shown text, `...` standing for anything."""
    if not shown:
        return
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    flat = re.sub(r"\s+", "", output)
    assert re.search(re.sub(r"(\\\s)+", "", pattern), flat, re.S), f"{command}\nshows: {shown}\nprinted: {output}"
