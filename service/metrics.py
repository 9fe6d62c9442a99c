"""The Prometheus metrics refgraph keeps (served at /metrics by service.api.observability).
With several API processes, each writes its values under ``PROMETHEUS_MULTIPROC_DIR``
(set before this module is imported) and /metrics adds them up (the webhook lag: the
largest of any process's). /metrics needs no token, so no label names a tenant's resource
(a workspace, a webhook, an object): labels are route templates, statuses and classes."""

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
# Not per endpoint (that would name every workspace's webhooks): the largest of this
# process's endpoints, and across processes the largest of theirs ("max").
WEBHOOK_LAG = Gauge("refgraph_webhook_lag_seconds", "Age of the oldest event not yet delivered, the largest over "
                    "the enabled endpoints this process delivers to (0: every one caught up)",
                    registry=REGISTRY, multiprocess_mode="max")


class Lags:
    """The lag of each endpoint this process delivers to, kept here (never as a label) so
    the gauge can show the largest; an endpoint leaves when it is caught up, disabled or
    deleted."""

    def __init__(self) -> None:
        self.by_endpoint: dict[str, float] = {}

    def set(self, webhook_id: str, seconds: float) -> float:
        """Record one endpoint's lag (0 or less: it leaves); the largest now."""
        if seconds > 0:
            self.by_endpoint[webhook_id] = seconds
        else:
            self.by_endpoint.pop(webhook_id, None)
        return max(self.by_endpoint.values(), default=0.0)


_LAGS = Lags()


def webhook_lag(webhook_id: str, seconds: float) -> None:
    WEBHOOK_LAG.set(_LAGS.set(webhook_id, seconds))


def forget_webhook(webhook_id: str) -> None:
    """A deleted or disabled endpoint no longer counts in the lag."""
    webhook_lag(webhook_id, 0.0)
