"""The refgraph CLI against a real API on loopback: import, demo and report."""

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
from standardwebhooks import Webhook

from service.services.demo import ORDER
from tests.conftest import free_port

REFGRAPH = [sys.executable, "-m", "service.cli"]


def refgraph(live_api, *args, timeout=600):
    env = {**os.environ, "REFGRAPH_URL": live_api.url, "REFGRAPH_TOKEN": live_api.token, "COLUMNS": "200"}
    return subprocess.run([*REFGRAPH, *args], env=env, capture_output=True, text=True, timeout=timeout)


def count(graph, workspace, label):
    records, _, _ = graph.execute_query(
        f"MATCH (n:`{label}` {{workspace: $ws}}) RETURN count(n) AS c, count(DISTINCT n.external_id) AS d",
        ws=workspace)
    return records[0]["c"], records[0]["d"]


def test_import_of_20000_lines_with_3_bad_ones(live_api, graph, tmp_path: Path):
    import httpx

    headers = {"Authorization": f"Bearer {live_api.token}"}
    assert httpx.post(f"{live_api.url}/v1/types", json=ORDER, headers=headers).status_code == 201
    people = [{"external_id": f"cust-{i}"} for i in range(100)]
    assert httpx.post(f"{live_api.url}/v1/objects/Person/batch", json={"records": people},
                      headers=headers).status_code == 200
    lines = [json.dumps({"external_id": f"ord-{i}", "attributes": {"order_number": f"N{i}", "total": i % 90},
                         "references": {"customer": {"external_id": f"cust-{i % 100}"}}})
             for i in range(20_000)]
    lines[9] = '{"external_id": "ord-9", "attributes": {"order_number": "N9", "total": "lots"}}'  # bad value
    lines[10_000] = '{"external_id": "ord-10000", "attributes": {"order_number": '                 # not JSON
    lines[19_999] = json.dumps({"external_id": "ord-19999", "attributes": {"order_number": "N"},
                                "references": {"customer": {"external_id": "nobody"}}})          # no such person
    file = tmp_path / "orders.jsonl"
    file.write_text("\n".join(lines) + "\n")

    first = refgraph(live_api, "import", "Order", str(file), "--batch", "5000")
    assert first.returncode == 1, first.stdout + first.stderr
    out = first.stdout
    assert "19,997 created" in out and "3 failed" in out
    for line, reason in ((10, "total"), (10001, "not JSON"), (20000, "nobody")):
        assert any(row.strip().startswith(f"│ {line} ") and reason in row for row in out.splitlines()), out
    assert count(graph, live_api.workspace, "Order") == (19_997, 19_997)

    stamps = updated_at(graph, live_api.workspace)
    rejects = tmp_path / "rejects.jsonl"
    again = refgraph(live_api, "import", "Order", str(file), "--batch", "5000", "--json", "--rejects", str(rejects))
    assert again.returncode == 1, again.stdout + again.stderr
    summary = json.loads(again.stdout)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 19_997)
    assert [f["line"] for f in summary["failed"]] == [10, 10001, 20000]
    assert rejects.read_text().splitlines() == [lines[9], lines[10_000], lines[19_999]]
    assert updated_at(graph, live_api.workspace) == stamps  # nothing was rewritten
    assert count(graph, live_api.workspace, "Order") == (19_997, 19_997)

    lines[1] = lines[1].replace('"total": 1', '"total": 2')
    lines[2] = lines[2].replace('cust-2"', 'cust-3"')
    file.write_text("\n".join(lines) + "\n")
    changed = json.loads(refgraph(live_api, "import", "Order", str(file), "--batch", "5000", "--json").stdout)
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 2, 19_995)
    after = updated_at(graph, live_api.workspace)
    assert {e for e in after if after[e] != stamps[e]} == {"ord-1", "ord-2"}


def updated_at(graph, workspace) -> dict[str, object]:
    records, _, _ = graph.execute_query("MATCH (o:Order {workspace: $ws}) RETURN o.external_id AS e, o.updated_at AS u",
                                        ws=workspace)
    return {r["e"]: r["u"] for r in records}


def test_csv_import_converts_cells_to_the_attribute_types(live_api, graph, tmp_path: Path):
    import httpx

    headers = {"Authorization": f"Bearer {live_api.token}"}
    assert httpx.post(f"{live_api.url}/v1/types", json=ORDER, headers=headers).status_code == 201
    httpx.post(f"{live_api.url}/v1/objects/Person", json={"external_id": "cust-1"}, headers=headers)
    file = tmp_path / "orders.csv"
    file.write_text('external_id,order_number,total,placed_on,references.customer\n'
                    'o1,"N1, rush",12.5,2026-11-01,cust-1\n'
                    'o2,N2,,,\n')
    result = refgraph(live_api, "import", "Order", str(file))
    assert result.returncode == 0, result.stdout + result.stderr
    records, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws}) OPTIONAL MATCH (o)-[:CUSTOMER]->(p) "
        "RETURN o.external_id AS e, o.order_number AS n, o.total AS t, toString(o.placed_on) AS d, p.external_id AS c",
        ws=live_api.workspace)
    assert {tuple(r.values()) for r in records} == {("o1", "N1, rush", 12.5, "2026-11-01", "cust-1"),
                                                    ("o2", "N2", None, None, None)}


def test_csv_import_by_a_unique_attribute_and_enum_cells(live_api, graph, tmp_path: Path):
    headers = {"Authorization": f"Bearer {live_api.token}"}
    assert httpx.post(f"{live_api.url}/v1/types", headers=headers, json={"name": "Member", "attributes": [
        {"name": "email", "data_type": "string", "unique": True},
        {"name": "tier", "data_type": "enum", "options": [{"value": "gold"}, {"value": "silver"}]},
        {"name": "perks", "data_type": "enum_list", "options": [{"value": "lounge"}, {"value": "wifi"}]}]}
    ).status_code == 201
    file = tmp_path / "members.csv"
    file.write_text("email,tier,perks\nada@x,gold,lounge|wifi\ngrace@x,silver,\nbob@x,bronze,\n")
    first = refgraph(live_api, "import", "Member", str(file), "--match-on", "email")
    assert first.returncode == 1 and "2 created" in first.stdout and "'bronze' is not an option" in first.stdout
    file.write_text("email,tier\nada@x,silver\n")
    again = refgraph(live_api, "import", "Member", str(file), "--match-on", "email", "--json")
    assert json.loads(again.stdout) | {"failed": None} == {"read": 1, "created": 0, "updated": 1, "unchanged": 0,
                                                            "failed": None}
    records, _, _ = graph.execute_query("MATCH (m:Member {workspace: $ws}) RETURN m.email AS e, m.tier AS t, "
                                        "m.perks AS p", ws=live_api.workspace)
    assert {(r["e"], r["t"], tuple(r["p"] or ())) for r in records} == {
        ("ada@x", "silver", ("lounge", "wifi")), ("grace@x", "silver", ())}


def test_demo_then_a_report_in_the_terminal(live_api):
    loaded = refgraph(live_api, "demo", "--people", "40")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "40 people" in loaded.stdout
    shown = refgraph(live_api, "report", "schema_overview")
    assert shown.returncode == 0 and "Passport" in shown.stdout and "order_options" in shown.stdout
    as_json = json.loads(refgraph(live_api, "report", "schema_overview", "--json").stdout)
    assert "Passport" in {row["type"] for row in as_json["rows"]}
    as_csv = refgraph(live_api, "report", "people_without_passport", "--csv")
    assert as_csv.stdout.splitlines()[0] == "id,external_id,name,email"
    bad = refgraph(live_api, "report", "passports_expiring")
    assert bad.returncode == 1 and "before is required" in bad.stdout


# What the terminal library would read as its markup (styles, a link, an escape) or as an
# emoji code, were data not printed as it is.
TRICKY = ["[b]Ada[/b]", "[/] Grace", "[link=https://x.invalid]Linus[/link]", "back\\slash [i] Ann",
          ":smile: [vip] Ann Lee"]


def test_every_command_prints_data_exactly_as_it_is(live_api, tmp_path: Path):
    """A report's cells, an import's problems (which quote the input) and a received
    event's changes are printed character for character (issue 33: `[vip] Ann Lee` was
    shown as ` Ann Lee`, `found '[bold]9'` as `found '9'`); the progress bar counts
    records, not a CSV's header."""
    headers = {"Authorization": f"Bearer {live_api.token}"}
    assert httpx.post(f"{live_api.url}/v1/types", json=ORDER, headers=headers).status_code == 201
    people = [{"external_id": f"p{i}", "attributes": {"name": name}} for i, name in enumerate(TRICKY)]
    assert httpx.post(f"{live_api.url}/v1/objects/Person/batch", json={"records": people},
                      headers=headers).status_code == 200
    shown = refgraph(live_api, "report", "orders_per_person")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert {name for name in TRICKY if name in shown.stdout} == set(TRICKY), shown.stdout

    file = tmp_path / "tricky.csv"
    file.write_text("external_id,order_number,total\n" + "".join(f"o{i},{name},1\n" for i, name in enumerate(TRICKY))
                    + "bad,N,[bold]9 :smile:\n")
    as_json = json.loads(refgraph(live_api, "import", "Order", str(file), "--json").stdout)
    problem = as_json["failed"][0]["problem"]
    assert "[bold]9 :smile:" in problem
    table = refgraph(live_api, "import", "Order", str(file))
    assert table.returncode == 1 and problem in table.stdout, table.stdout

    csv_file = tmp_path / "orders.csv"
    csv_file.write_text("external_id,order_number\n" + "".join(f"c{i},N{i}\n" for i in range(7)))
    imported = refgraph(live_api, "import", "Order", str(csv_file))
    assert imported.returncode == 0 and "7/7" in imported.stdout and "7/8" not in imported.stdout, imported.stdout
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text("external_id,ordernumber\n" + "".join(f"m{i},N{i}\n" for i in range(50)))
    refused = refgraph(live_api, "import", "Order", str(misspelt))
    assert refused.returncode == 1 and refused.stdout.count("did you mean 'order_number'?") == 1, refused.stdout
    no_type = refgraph(live_api, "import", "Ordr", str(csv_file))
    assert no_type.returncode == 1 and "did you mean 'Order'?" in no_type.stdout, no_type.stdout

    secret = "whsec_" + base64.b64encode(b"a-secret-of-24-bytes-ok!").decode()
    port = free_port()
    listener = subprocess.Popen([*REFGRAPH, "listen", str(port), "--secret", secret, "--count", "1"],
                                stdout=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        event = {"type": "object.updated", "object": {"type": "Person", "external_id": "[b]p0[/b]"},
                 "changes": {"role": [None, "[link=x]lead[/link] \\"]}, "cause": {"kind": "api"}}
        body = json.dumps({"events": [event]})
        now = datetime.now(timezone.utc)
        signed = Webhook(secret).sign("msg_1", now, body)
        for _ in range(100):  # until the listener is up
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.post(f"http://127.0.0.1:{port}/", content=body, headers={
                    "webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signed})
                break
            time.sleep(0.1)
        assert answer.status_code == 204
        out, _ = listener.communicate(timeout=30)
    finally:
        listener.kill()
    assert out.strip() == 'object.updated Person [b]p0[/b] {"role":[null,"[link=x]lead[/link] \\\\"]}  (api)'


def test_version_an_unreachable_api_in_one_line_and_the_list_of_reports(live_api):
    version = subprocess.run([*REFGRAPH, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("refgraph ")
    down = subprocess.run([*REFGRAPH, "report", "--url", "http://127.0.0.1:9", "--token", "x"],
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "Traceback" not in down.stdout + down.stderr
    assert down.stdout.strip().startswith("cannot reach the API") and len(down.stdout.strip().splitlines()) == 1
    listed = refgraph(live_api, "report")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "orders_per_person" in listed.stdout and "schema_overview" in listed.stdout


def test_serve_says_the_demo_is_loading_while_the_api_answers(neo4j_target):
    """`make run` on an empty workspace: the demo loads in the background, /healthz is
    ready and says how far it is, the API answers meanwhile, and the terminal says when
    it is done."""
    port, token = free_port(), f"tok-{uuid.uuid4().hex}"
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password, "REFGRAPH_TOKENS": f"{token}:ws_{uuid.uuid4().hex[:12]}",
           "REFGRAPH_API_PORT": str(port), "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    server = subprocess.Popen([*REFGRAPH, "serve", "--demo-if-empty"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen: list[str] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as client:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and "loaded" not in seen:
                with contextlib.suppress(httpx.TransportError):
                    health = client.get("/healthz")
                    demo = health.json().get("demo")
                    if demo:
                        assert health.status_code == 200 and demo["total"] > 1000, health.text
                        seen.append(demo["status"])
                        if demo["status"] == "loading":
                            assert client.get("/v1/types").status_code == 200
                time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0]
    assert seen[0] == "loading" and seen[-1] == "loaded", (seen, output)
    assert "Loading the demo dataset" in output and "Loaded the demo dataset" in output, output


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def serve_banner(neo4j_target, host: str, token: str) -> str:
    """What `refgraph serve` prints before it serves: started on ``host``, stopped once the
    banner is out."""
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password, "REFGRAPH_TOKENS": f"{token}:ws_{uuid.uuid4().hex[:12]}",
           "REFGRAPH_API_HOST": host, "REFGRAPH_API_PORT": str(free_port()), "PYTHONUNBUFFERED": "1",
           "COLUMNS": "200", "REFGRAPH_ENVIRONMENT": "local"}  # set on purpose: serve accepts any address
    server = subprocess.Popen([*REFGRAPH, "serve"], env=env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    lines: list[str] = []
    try:
        for line in server.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C stops"):
                break
        # Stopped once it serves: a Ctrl-C while uvicorn is still starting can be lost (the
        # test then waited a minute for a server that went on serving).
        deadline = time.monotonic() + 60
        while not _answers(int(env["REFGRAPH_API_PORT"])) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            lines.append(server.communicate(timeout=60)[0])
        except subprocess.TimeoutExpired:  # never left running: it would deliver other tests' webhooks
            server.kill()
            server.communicate()
            raise
    return "".join(lines)


def test_serve_prints_tokens_and_the_password_only_on_loopback(neo4j_target):
    """Issue 32: `refgraph serve` bound to 0.0.0.0 printed every static token and the Neo4j
    password into the terminal (and whatever log keeps it)."""
    token = f"tok-{uuid.uuid4().hex}"
    exposed = serve_banner(neo4j_target, "0.0.0.0", token)
    assert "Ctrl-C stops" in exposed, exposed
    assert token not in exposed and neo4j_target.password not in exposed, exposed
    assert "REFGRAPH_TOKENS" in exposed and "NEO4J_PASSWORD" in exposed, exposed
    on_loopback = serve_banner(neo4j_target, "127.0.0.1", token)
    assert token in on_loopback and neo4j_target.password in on_loopback, on_loopback
