"""refgraph as a package: the wheel built from this tree, installed with pip into a fresh
virtual environment, serves from anywhere (its queries, migrations and reports are
package data) and offers the operator's own reports (REFGRAPH_REPORTS_DIR).

The fresh environment gets its dependencies from this project's environment (the
versions requirements.lock pins) through a .pth line, so the test needs no download;
refgraph itself comes only from the wheel: the run happens outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
REPORT = """// Orders by status
// @param status string : the status
MATCH (o:Order {workspace: $workspace, status: $status}) RETURN o.external_id AS external_id
"""


def test_the_wheel_installed_in_a_fresh_venv_serves(neo4j_target, tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("refgraph-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "refgraph-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "reports").mkdir(parents=True)
    (elsewhere / "reports" / "orders_by_status.cypher").write_text(REPORT)
    located = subprocess.run([str(python), "-c", "import service; print(service.__file__)"], cwd=elsewhere,
                             capture_output=True, text=True, check=True).stdout
    assert located.startswith(site), located  # the wheel's copy, not this tree

    port, token = free_port(), f"tok-{uuid.uuid4().hex}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("REFGRAPH_", "PYTHON"))},
           "NEO4J_URI": neo4j_target.uri, "NEO4J_USER": neo4j_target.user, "NEO4J_PASSWORD": neo4j_target.password,
           "REFGRAPH_API_PORT": str(port), "REFGRAPH_TOKENS": f"{token}:ws_{uuid.uuid4().hex[:12]}",
           "REFGRAPH_REPORTS_DIR": str(elsewhere / "reports")}
    server = subprocess.Popen([str(venv / "bin" / "refgraph"), "serve"], cwd=elsewhere, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "the installed refgraph did not serve"
                time.sleep(0.3)
            reports = {r["name"] for r in client.get("/v1/reports").json()["data"]}
            assert {"orders_per_person", "orders_by_status"} <= reports
            ran = client.get("/v1/reports/orders_by_status", params={"status": "shipped"})
            assert ran.status_code == 200 and ran.json()["rows"] == []
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert "Traceback" not in output, output
