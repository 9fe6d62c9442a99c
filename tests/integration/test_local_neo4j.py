"""The local Neo4j that `make run` starts: data survives restarts, no JVM outlives its owner."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from service.config import Settings
from service.local_neo4j import LocalNeo4j, Neo4jStartError, ensure_classpath
from tests.conftest import free_port


def jvms_for(home: Path) -> list[int]:
    """Pids of live processes started with this Neo4j home (what `pgrep -af java` shows)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"--home-dir={home}" in cmdline and "State:\tZ" not in status:
                pids.append(int(entry.name))
    return pids


def wait_until_gone(home: Path, timeout_s: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while jvms_for(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    return jvms_for(home)


def server(home: Path, bolt_port: int | None = None) -> LocalNeo4j:
    return LocalNeo4j(
        home=home, classpath=ensure_classpath(Settings().cache_dir),
        bolt_port=bolt_port or free_port(), http_port=free_port(),
        password="lifecycle-pw", heap="512m", pagecache="128m",
    )


def test_data_survives_a_restart_and_stop_leaves_no_jvm(tmp_path):
    home = tmp_path / "neo4j"
    with server(home) as first:
        assert jvms_for(home) == [first.pid]
        with GraphDatabase.driver(first.bolt_uri, auth=("neo4j", "lifecycle-pw")) as driver:
            driver.execute_query("CREATE (:Kept {note: 'written by the first run'})")
    assert wait_until_gone(home, timeout_s=5) == []
    with server(home) as second:
        with GraphDatabase.driver(second.bolt_uri, auth=("neo4j", "lifecycle-pw")) as driver:
            records, _, _ = driver.execute_query("MATCH (n:Kept) RETURN n.note AS note")
    assert [r["note"] for r in records] == ["written by the first run"]
    assert wait_until_gone(home, timeout_s=5) == []


def test_a_killed_owner_takes_its_jvm_with_it(tmp_path):
    home = tmp_path / "neo4j"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from tests.integration.test_local_neo4j import server\n"
        "s = server(Path(sys.argv[1])).start()\n"
        "print(s.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script, str(home)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        jvm_pid = int(owner.stdout.readline())
        assert jvm_pid in jvms_for(home)
        os.kill(owner.pid, signal.SIGKILL)  # no cleanup code runs in the owner
        owner.wait()
        assert wait_until_gone(home) == []
    finally:
        owner.kill()
        for pid in jvms_for(home):
            os.kill(pid, signal.SIGKILL)


def test_a_failed_start_says_why_and_leaves_no_jvm(tmp_path):
    home = tmp_path / "neo4j"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Neo4jStartError) as info:
            server(home, bolt_port=port).start()
    assert "Neo4j" in str(info.value)
    assert wait_until_gone(home, timeout_s=5) == []
