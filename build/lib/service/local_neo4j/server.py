"""Run the Neo4j Community server as a child process that refgraph owns.

The server lives in one directory (``home``): ``conf/neo4j.conf`` written by us,
``data/`` (kept across runs), ``logs/``. It listens on loopback only, with auth on.
The JVM gets SIGTERM when the process that started it dies, however it dies
(Linux ``PR_SET_PDEATHSIG``), and it runs in its own session so that a Ctrl-C reaches
refgraph first, which then stops Neo4j cleanly.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
JVM_OPTIONS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]
_PR_SET_PDEATHSIG = 1


class Neo4jStartError(RuntimeError):
    pass


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise Neo4jStartError("Java 17+ is needed to run the local Neo4j (or set NEO4J_URI)")
    return java


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class LocalNeo4j:
    home: Path
    classpath: str
    bolt_port: int = 7687
    http_port: int = 7474
    user: str = "neo4j"
    password: str = "refgraph-dev-password"
    heap: str = "2g"
    pagecache: str = "2g"
    # The most memory one transaction may use (db.memory.transaction.max): a traversal or
    # report that needs more fails alone (refgraph answers 422) instead of the server.
    transaction_memory: str = "1g"
    start_timeout_s: float = 120.0
    # Browser runs `:style <url>` after connecting: refgraph's API serves its style there.
    browser_style_url: str | None = None

    _process: subprocess.Popen | None = None

    @property
    def bolt_uri(self) -> str:
        return f"bolt://localhost:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://localhost:{self.http_port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def config(self) -> str:
        lines = {
            "server.default_listen_address": "127.0.0.1",
            "server.default_advertised_address": "localhost",
            "server.bolt.listen_address": f"127.0.0.1:{self.bolt_port}",
            "server.bolt.advertised_address": f"localhost:{self.bolt_port}",
            "server.http.listen_address": f"127.0.0.1:{self.http_port}",
            "server.http.advertised_address": f"localhost:{self.http_port}",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "true",
            "server.memory.heap.initial_size": self.heap,
            "server.memory.heap.max_size": self.heap,
            "server.memory.pagecache.size": self.pagecache,
            "db.memory.transaction.max": self.transaction_memory,
            # Time limits (traversals, reports) are enforced this promptly, not every 2 s.
            "db.transaction.monitor.check.interval": "100ms",
            "db.tx_log.rotation.retention_policy": "1 days",
            "dbms.usage_report.enabled": "false",
        }
        if self.browser_style_url:
            lines["browser.remote_content_hostname_whitelist"] = "localhost"
            lines["browser.post_connect_cmd"] = f"style {self.browser_style_url}"
        return "".join(f"{key}={value}\n" for key, value in lines.items())

    def prepare(self) -> None:
        """Write the home's folders and configuration; set the initial password once."""
        for sub in ("conf", "data", "logs", "plugins", "import", "run"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        (self.home / "conf" / "neo4j.conf").write_text(self.config())
        if not (self.home / "data" / "databases" / "system").exists():
            self._set_initial_password()

    def _env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}

    def _classpath_file(self) -> Path:
        """A java @argfile holding the classpath, so ``ps`` shows a readable command."""
        path = self.home / "run" / "classpath.args"
        path.write_text(f'-cp "{self.classpath}"\n')
        return path

    def admin(self, *args: str) -> subprocess.CompletedProcess:
        """``neo4j-admin ARGS`` against this server's home (its configuration and data)."""
        return subprocess.run([_java(), f"@{self._classpath_file()}", ADMIN_TOOL, *args],
                              env=self._env(), capture_output=True, text=True)

    def _set_initial_password(self) -> None:
        result = self.admin("dbms", "set-initial-password", self.password)
        if result.returncode != 0:
            raise Neo4jStartError(f"neo4j-admin set-initial-password failed: {result.stderr}")

    def check_consistency(self, database: str = "neo4j") -> tuple[bool, str]:
        """``neo4j-admin database check`` on the stopped server: consistent, and the
        tool's output."""
        if self.running_pid() is not None:
            raise RuntimeError("stop the server before checking its store")
        result = self.admin("database", "check", database, f"--report-path={self.home / 'logs'}")
        return result.returncode == 0, result.stdout + result.stderr

    def start(self, *, detached: bool = False) -> LocalNeo4j:
        """Start and wait for Bolt. ``detached``: the server outlives this process
        (``refgraph neo4j start``); stop it with ``stop_running``."""
        if self._process is not None:
            return self
        self.prepare()
        log = self.home / "logs" / "neo4j.log"
        log_offset = log.stat().st_size if log.exists() else 0
        console = open(self.home / "logs" / "console.log", "ab")
        command = [
            _java(), f"-Xms{self.heap}", f"-Xmx{self.heap}", *JVM_OPTIONS,
            f"@{self._classpath_file()}", ENTRY_POINT,
            f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}",
        ]
        self._process = subprocess.Popen(
            command, env=self._env(), stdout=console, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=None if detached else _die_with_parent,
        )
        console.close()
        (self.home / "run" / "neo4j.pid").write_text(str(self._process.pid))
        try:
            self._wait_for_bolt(log_offset)
        except BaseException:
            self.stop(timeout_s=15)
            raise
        return self

    def _failed_to_start(self, log_offset: int) -> bool:
        """Neo4j logs a failed start well before its JVM exits."""
        log = self.home / "logs" / "neo4j.log"
        if not log.exists():
            return False
        with log.open("rb") as f:
            f.seek(log_offset)
            return b"ERROR Failed to start Neo4j" in f.read()

    def _wait_for_bolt(self, log_offset: int) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        with GraphDatabase.driver(
            self.bolt_uri, auth=(self.user, self.password),
            connection_timeout=2.0, connection_acquisition_timeout=3.0,
        ) as driver:
            while True:
                if self._process.poll() is not None or self._failed_to_start(log_offset):
                    raise Neo4jStartError("Neo4j failed to start\n" + self.log_tail())
                try:
                    driver.verify_connectivity()
                    return
                except AuthError as exc:
                    raise Neo4jStartError(
                        f"Neo4j in {self.home} refused the password from settings "
                        f"(it keeps the password it was first started with): {exc}"
                    ) from exc
                except (ServiceUnavailable, OSError):
                    if time.monotonic() > deadline:
                        raise Neo4jStartError(
                            f"Bolt did not answer on {self.bolt_uri} within "
                            f"{self.start_timeout_s:.0f}s\n" + self.log_tail()
                        ) from None
                    time.sleep(0.25)

    def log_tail(self, lines: int = 30) -> str:
        out = []
        for name in ("console.log", "neo4j.log"):
            path = self.home / "logs" / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path} ---\n" + "\n".join(tail))
        return "\n".join(out)

    def stop(self, timeout_s: float = 60.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        (self.home / "run" / "neo4j.pid").unlink(missing_ok=True)

    def running_pid(self) -> int | None:
        """The pid of a server running on this home, started by any process."""
        pid_file = self.home / "run" / "neo4j.pid"
        try:
            pid = int(pid_file.read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        return pid if f"--home-dir={self.home}".encode() in command else None

    def stop_running(self, timeout_s: float = 60.0) -> bool:
        """Stop the server running on this home (False: none was)."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while self.running_pid() == pid and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.running_pid() == pid:
            os.kill(pid, signal.SIGKILL)
        (self.home / "run" / "neo4j.pid").unlink(missing_ok=True)
        return True

    def __enter__(self) -> LocalNeo4j:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
