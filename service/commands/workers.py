"""`refgraph serve --workers N`: several API processes on one port."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import uvicorn

from service.config import Settings


def serve_workers(served: Settings, host: str, port: int, workers: int) -> None:
    """``workers`` API processes on one port (uvicorn's), each building the app from the
    environment: the Neo4j this command found or started, the number of processes (each
    enforces its share of the rate limits) and one directory where they keep metrics."""
    os.environ.update({"NEO4J_URI": served.neo4j_uri, "NEO4J_USER": served.neo4j_user,
                       "NEO4J_PASSWORD": served.neo4j_password.get_secret_value(),
                       "NEO4J_DATABASE": served.neo4j_database, "REFGRAPH_WORKERS": str(workers)})
    with contextlib.ExitStack() as stack:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = stack.enter_context(tempfile.TemporaryDirectory())
        for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):  # an earlier run's
            stale.unlink()
        uvicorn.run("service.main:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=False)
