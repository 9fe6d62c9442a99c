"""The benchmark suite's command still runs end to end (at a tiny scale, no timings
asserted: speed is measured by `make bench`, never in tests)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_suite_runs_every_workload(neo4j_target, tmp_path):
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password}
    done = subprocess.run(
        [sys.executable, "-m", "bench.suite", "--scale", "600", "--rounds", "1", "--batch", "200",
         "--requests", "10", "--concurrency", "1,2", "--connector-runs", "2", "--report-runs", "2",
         "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = list(tmp_path.glob("suite-*.json"))
    assert len(written) == 1 and len(list(tmp_path.glob("suite-*.md"))) == 1
    result = json.loads(written[0].read_text())
    assert {"ingest", "connector", "writers", "traversal", "report", "settings"} <= set(result)
    assert {(r["hops"], r["concurrency"], r["side"]) for r in result["traversal"]} == {
        (h, c, s) for h in (1, 2, 3) for c in (1, 2) for s in ("api", "raw")}
    assert not list(ROOT.glob("import.report"))  # neo4j-admin's report stays in its temporary home
    assert "| ingest, records/s (API vs raw driver) |" in done.stdout
    # CPU per process beside each write cell and traversal: the API server's and this
    # client's are read from /proc; an external Neo4j's cannot be, and shows as "-".
    for cell in ("api", "raw_same", "api_changed"):
        assert [set(used) for used in result["ingest"]["cpu"][cell]] == [{"api", "client"}]
    assert all(result["writers"][shape]["cpu"]["api"]["api"] > 0 for shape in ("disjoint", "hub"))
    assert sum(r["cpu_ms_per_request"]["api"] for r in result["traversal"] if r["side"] == "api") > 0
    assert "| 4 writers, disjoint targets | - / " in done.stdout


def test_the_events_cost_benchmark_runs_against_the_commit_before_events(neo4j_target):
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password}
    done = subprocess.run([sys.executable, "-m", "bench.events_cost", "--scale", "300", "--rounds", "1",
                           "--batch", "100", "--writes", "5"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "| new rows |" in done.stdout and "| 10% changed |" in done.stdout


def test_the_isolation_benchmark_runs_every_pattern(neo4j_target, tmp_path):
    env = {**os.environ, "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user,
           "NEO4J_PASSWORD": neo4j_target.password}
    out = tmp_path / "isolation.json"
    done = subprocess.run([sys.executable, "-m", "bench.isolation", "--objects", "300", "--seconds", "1",
                           "--rounds", "1", "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rounds = json.loads(out.read_text())["rounds"]
    assert len(rounds) == 1
    for result in rounds:
        assert set(result) == {"baseline", "long-polls", "feed scans", "searches", "traversals", "report CSVs",
                               "batch flood"}
        assert all(cell["b_statuses"] and cell["b_p50_ms"] > 0 and cell["cpu_percent"]["api"] >= 0
                   for cell in result.values())
        assert all(cell["a_statuses"] for name, cell in result.items() if name != "baseline")
    assert "| A's pattern | B p50 ms (x baseline: each round) |" in done.stdout
