"""The Prometheus metrics refgraph keeps (served at /metrics by service.api.observability).
With several API processes, each writes its values under ``PROMETHEUS_MULTIPROC_DIR``
(set before this module is imported) and /metrics adds them up; a gauge then shows the
value most recently set by any process (an endpoint's deliveries move between them)."""

import contextlib
import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "refgraph_request_duration_seconds", "API request latency", ["method", "route", "status"],
    registry=REGISTRY, buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TRANSACTION_RETRIES = Counter(
    "refgraph_neo4j_transaction_retries_total", "Neo4j transactions the driver retried", registry=REGISTRY)
WRITE_RERUNS = Counter(
    "refgraph_write_reruns_total", "Writes run again from the start: something they read changed before they held "
    "their locks (read_changed), or another writer made an object they were creating (insert_refused)",
    ["reason"], registry=REGISTRY)
CONNECTOR_RUNS = Counter(
    "refgraph_connector_runs_total", "Connector runs by status", ["status", "error_class"], registry=REGISTRY)
IDEMPOTENCY_KEYS_PURGED = Counter(
    "refgraph_idempotency_keys_purged_total", "Expired idempotency keys deleted by the background purge",
    registry=REGISTRY)
EVENTS_WRITTEN = Counter("refgraph_events_written_total", "Change events recorded, by type", ["type"],
                         registry=REGISTRY)
WEBHOOK_DELIVERIES = Counter("refgraph_webhook_deliveries_total", "Webhook delivery attempts, by outcome",
                             ["status"], registry=REGISTRY)
WEBHOOK_LAG = Gauge("refgraph_webhook_lag_seconds", "Age of the oldest event not yet delivered, per endpoint",
                    ["webhook"], registry=REGISTRY, multiprocess_mode="mostrecent")


def forget_webhook(webhook_id: str) -> None:
    """A deleted endpoint's lag: removed, or with several processes (where a series cannot
    be removed) set to 0."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        WEBHOOK_LAG.labels(webhook_id).set(0)
        return
    with contextlib.suppress(KeyError):
        WEBHOOK_LAG.remove(webhook_id)
