"""create_app(): the FastAPI service, its lifespan owning one Neo4j driver.

At start-up the lifespan loads the named queries (failing loudly if one the store
uses is missing) and applies migrations. If Neo4j is not reachable yet, the API
starts anyway, answers 503 (``/healthz`` and every ``/v1`` route), and keeps trying
in the background until Neo4j answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI
from neo4j import AsyncDriver, AsyncGraphDatabase
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from service.api import (
    catalogue,
    errors,
    idempotency,
    json_body,
    observability,
    reference,
)
from service.api.admission import QUOTAS, Admission
from service.api.auth import PACED_S, AuthMiddleware, RateLimits, TokenBuckets
from service.api.deps import require_ready
from service.api.idempotency import IdempotencyMiddleware
from service.api.lean_reads import LeanTraversal
from service.api.limits import LimitsMiddleware
from service.api.secret_answers import SecretAnswersMiddleware
from service.api.spent_tokens import SpentTokensMiddleware
from service.api.observability import ObservabilityMiddleware
from service.api.query_params import strict_query
from service.api.routes import (
    browser,
    connectors,
    docs,
    events,
    health,
    integrity,
    intercom,
    objects,
    prunes,
    reports,
    selectors,
    types,
    webhooks,
    workspace,
)
from service.config import Settings
from service.console import mount as console
from service.console.headers import ConsoleHeadersMiddleware
from service.console.session import MAX_AGE_S, session_key
from service.domain.records import BatchWrite
from service.fetch import Limits
from service.services.connector_runs import ConnectorRuns
from service.services.event_feed import EventFeed
from service.services.feed_heads import FeedHeads
from service.services.selector_buttons import SelectorButtons
from service.services.webhook_delivery import Deliverer
from service.store import attribute_changes, change_log, console_sessions, leases, migrations, type_indexes
from service.store import connectors as connector_store
from service.store import events as event_store
from service.store import health as health_store
from service.store import integrity as integrity_store
from service.store import objects as object_store
from service.store import prunes as prune_store
from service.store.delete_plans import DeletePlans
from service.store import references as reference_store
from service.store import schema as schema_store
from service.store import selectors as selector_store
from service.store import tokens as token_store
from service.store import traversal as traversal_store
from service.store import webhooks as webhook_store
from service.store.connectors import ConnectorStore
from service.store.console_sessions import ConsoleSessions
from service.store.database import Database
from service.store.object_references import ObjectReferences
from service.store.pool_share import PoolShare
from service.store.queries import Queries
from service.store.reports import ReportStore, load_reports
from service.store.search import ObjectSearch
from service.store.selectors import SelectorStore
from service.store.tokens import TokenStore
from service.store.traversal import TraversalStore
from service.store.webhooks import WebhookStore


log = logging.getLogger("refgraph")

STORE_QUERIES = [*migrations.USES, *health_store.USES, *schema_store.USES,
                 *object_store.USES, *reference_store.USES, *integrity_store.USES,
                 *traversal_store.USES, *connector_store.USES,
                 *selector_store.USES, *token_store.USES, *idempotency.USES,
                 *prune_store.USES, *attribute_changes.USES, *change_log.USES, *event_store.USES, *webhook_store.USES,
                 *console_sessions.USES, *leases.USES, *type_indexes.USES]
RETRY_S = 2.0
# No OpenTelemetry here (metrics are Prometheus'): FastAPI's own hooks otherwise look for a
# provider on every request (a 429 in the app: 96 against 101 µs median).
NO_OPENTELEMETRY = {"tracing": False, "metrics": False, "logs": False}


async def _after_migrations(app: FastAPI, job) -> None:
    await app.state.migrations_ready.wait()
    await job


async def _every(app: FastAPI, every_s: float, what: str, purge) -> None:
    """``purge(db)`` in the background once migrations are done, every ``every_s`` seconds,
    in the one process that holds its lease (the others find it held and wait)."""
    await app.state.migrations_ready.wait()
    while True:
        try:
            removed = await purge(app.state.db) if await leases.take(app.state.db, what, 2 * every_s + 30) else 0
            if removed:
                log.info("purged %d %s", removed, what)
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            log.warning("purging %s failed (%s); will try again", what, exc)
        await asyncio.sleep(every_s)


async def _migrate_until_done(app: FastAPI) -> None:
    state = app.state
    while True:
        try:
            await state.migrator.migrate()
            await type_indexes.ensure_for_every_type(state.db)
            state.migrations_ready.set()
            return
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            log.warning("Neo4j not reachable (%s); retrying in %.0fs", exc, RETRY_S)
            await asyncio.sleep(RETRY_S)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.neo4j_uri is None:
        raise ValueError("create_app needs settings.neo4j_uri (refgraph serve sets it)")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queries = Queries.load(settings.cypher_dir)
        for name in STORE_QUERIES:
            queries[name]  # noqa: B018 - raises QueryNotFound now rather than mid-request
        driver = _driver(settings)
        share = PoolShare.of(settings.neo4j_max_connections, settings.workspace_pool_share, settings.admission_queue_s)
        _wire(app, settings, Database(driver=driver, name=settings.neo4j_database, queries=queries, share=share))
        task = asyncio.create_task(_migrate_until_done(app))
        _tune_gc()
        background = [task, *_background(app, settings)]
        try:
            # Normally Neo4j is up: be ready before serving. Otherwise serve 503s meanwhile.
            await asyncio.wait({task}, timeout=settings.startup_wait_s)
            if task.done():
                task.result()  # a broken migration stops start-up here
            yield
        finally:
            for job in background:
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job
            with contextlib.suppress(Exception):  # Neo4j may be gone: the leases lapse then
                await leases.release(app.state.db)
            await driver.close()

    app = FastAPI(
        title="refgraph",
        version="0.1.0",
        description="Custom objects and references on Neo4j.",
        lifespan=lifespan,
        redirect_slashes=False,  # an API answers 404, not a redirect, for a stray slash
        docs_url=None, redoc_url=None,  # served by routes/docs.py, offline
        generate_unique_id_function=reference.operation_id,
        telemetry=NO_OPENTELEMETRY,
    )
    app.state.browser_origins = settings.browser_origin_set()
    errors.install(app)
    # Outermost first: observe, authenticate (and rate-limit the caller), limit the body,
    # then idempotency, which needs the caller and writes only for one; innermost, the
    # no-store header of an answer that shows a secret (it knows the route once routed).
    app.add_middleware(SecretAnswersMiddleware)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(LimitsMiddleware, max_body_bytes=settings.max_body_bytes)
    app.state.rate_limits = _rate_limits(settings)
    app.add_middleware(AuthMiddleware, limits=app.state.rate_limits)
    app.add_middleware(ConsoleHeadersMiddleware)
    app.add_middleware(ObservabilityMiddleware)  # every answer is logged and timed
    app.add_middleware(SpentTokensMiddleware)  # a flood of refusals costs little (service/api/spent_tokens.py)
    app.add_route("/metrics", observability.metrics, include_in_schema=False)
    observability.set_up_logs(settings.access_log)
    _routes(app)
    json_body.register(app, BatchWrite)
    _document(app)
    return app


def _rate_limits(settings: Settings) -> RateLimits:
    """This process's share of each limit: with N processes, a token's N shares add up to
    its limit however the requests are spread (a burst may come out a little smaller)."""
    share = settings.workers
    return RateLimits(TokenBuckets(settings.rate_limit_per_s / share, max(1, settings.rate_limit_burst // share),
                                   pace_s=PACED_S),
                      TokenBuckets(settings.auth_failures_per_s / share, max(1, settings.auth_failure_burst // share)))


def _background(app: FastAPI, settings: Settings) -> list[asyncio.Task]:
    """The process's periodic work: purges, and webhook deliveries unless a worker does them."""
    jobs = [
        _every(app, settings.idempotency_purge_every_s, "expired idempotency keys", idempotency.purge_expired),
        _every(app, settings.events_purge_every_s, "event batches past their retention",
               lambda db: event_store.purge(db, days=settings.events_retention_days)),
        _every(app, settings.events_purge_every_s, "webhook deliveries past the retention",
               lambda _db: app.state.webhooks.purge_deliveries(days=settings.events_retention_days))]
    if settings.deliver_webhooks:
        jobs.append(_after_migrations(app, app.state.deliverer.run_forever()))
    return [asyncio.create_task(job) for job in jobs]


def _tune_gc() -> None:
    """The objects made at start-up (the app, its models, the queries) live as long as
    the process: frozen, the collector stops scanning them on every full collection, and
    a batch's thousands of short-lived objects trigger fewer young collections. Profiled
    on a re-ingest of 100,000 unchanged records (bench/README.md): 19,500 to about 28,000
    records/s, the collector's pauses had been a third of the API's CPU. Once a process
    (a test run makes many apps: what later apps leave behind is collected as usual)."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
    gc.set_threshold(10_000)  # young objects only: cycles a request leaves are still collected soon


def _driver(settings: Settings) -> AsyncDriver:
    return AsyncGraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        connection_timeout=5.0,
        connection_acquisition_timeout=10.0,
        max_connection_pool_size=settings.neo4j_max_connections,
        # A write retried after a deadlock or a lost connection, for this long at most;
        # past it (Neo4j down) the caller gets 503 rather than waiting the driver's 30 s.
        max_transaction_retry_time=settings.neo4j_retry_s,
        notifications_min_severity="OFF",  # "property key does not exist" on a new database is noise
    )


def _wire(app: FastAPI, settings: Settings, db: Database) -> None:
    """The stores and the services the routes find on ``app.state``."""
    state = app.state
    state.db = db
    state.tokens = settings.token_workspaces()
    state.report_timeout_s = settings.report_timeout_s
    state.token_store = TokenStore(db, cache_s=settings.token_cache_s, max_cached=settings.token_cache_size)
    state.schema = schema_store.SchemaStore(
        db, schema_store.Quotas(settings.max_types_per_workspace, settings.max_attributes_per_type))
    state.prunes = prune_store.PruneStore(state.schema)
    state.delete_plans = DeletePlans(state.schema)
    state.objects = object_store.ObjectStore(db, state.schema)
    state.references = ObjectReferences(state.objects)
    state.search = ObjectSearch(state.objects, timeout_s=settings.traversal_timeout_s)
    state.console_key = session_key(settings.secrets_key.get_secret_value())
    state.console_sessions = ConsoleSessions(db, lasts_s=MAX_AGE_S)
    state.traversal = TraversalStore(db, state.objects, timeout_s=settings.traversal_timeout_s)
    state.connectors = ConnectorStore(db, state.objects, secrets_key=settings.secrets_key.get_secret_value())
    state.connector_runs = ConnectorRuns(state.connectors, limits=outgoing_limits(settings))
    state.selectors = SelectorStore(db, state.objects, state.connectors)
    state.selector_buttons = SelectorButtons(state.selectors, state.connector_runs)
    state.reports = ReportStore(db, state.schema, load_reports(settings.cypher_dir, settings.reports_dir),
                                timeout_s=settings.report_timeout_s, max_rows=settings.report_max_rows)
    state.feed_heads = FeedHeads(db)
    state.event_feed = EventFeed(db, state.feed_heads)
    state.admission = Admission(QUOTAS, queue_s=settings.admission_queue_s, workers=settings.workers,
                                scale=settings.admission_scale)
    state.webhooks = WebhookStore(db, secrets_key=settings.secrets_key.get_secret_value())
    state.deliverer = deliverer(settings, db, state.webhooks, state.event_feed)
    state.migrator = migrations.Migrator(
        db, migrations.load_migrations(settings.cypher_dir / "migrations"), wait_s=settings.migration_wait_s)
    state.migrations_ready = asyncio.Event()


def outgoing_limits(settings: Settings) -> Limits:
    """What connectors may call, and how much they may read."""
    return Limits(destinations=settings.destinations(), max_bytes=settings.connector_max_response_bytes,
                  max_pages=settings.connector_max_pages, max_records=settings.connector_max_records,
                  run_deadline_s=settings.connector_run_deadline_s)


def deliverer(settings: Settings, db: Database, webhooks: WebhookStore | None = None,
              feed: EventFeed | None = None) -> Deliverer:
    limits = Limits(destinations=settings.webhook_destinations(), max_bytes=settings.connector_max_response_bytes)
    return Deliverer(webhooks or WebhookStore(db, secrets_key=settings.secrets_key.get_secret_value()),
                     feed or EventFeed(db), limits, timeout_s=settings.webhook_timeout_s,
                     disable_after_s=settings.webhook_disable_after_s, lease_s=settings.webhook_lease_s)


async def deliver_alone(settings: Settings) -> None:
    """``refgraph worker``: webhook deliveries without the API (which then runs with
    REFGRAPH_DELIVER_WEBHOOKS=false); stops when cancelled."""
    driver = _driver(settings)
    try:
        await deliverer(settings, Database(driver=driver, name=settings.neo4j_database,
                                           queries=Queries.load(settings.cypher_dir))).run_forever()
    finally:
        await driver.close()


def _routes(app: FastAPI) -> None:
    app.include_router(health.router)
    app.include_router(browser.router)
    console.install(app)
    docs.install(app)
    v1 = APIRouter(prefix="/v1", responses=errors.V1_ERROR_RESPONSES,
                   dependencies=[Depends(require_ready), Depends(strict_query)])
    for module in (workspace, types, objects, reports, connectors, selectors, integrity, prunes, events, webhooks):
        v1.include_router(module.router)
    app.include_router(v1)
    compat = APIRouter(prefix="/intercom", responses=errors.V1_ERROR_RESPONSES,
                       dependencies=[Depends(require_ready), Depends(strict_query)])
    compat.include_router(intercom.router)
    app.include_router(compat)
    app.router.routes.insert(0, LeanTraversal())  # before the documented route (service/api/lean_reads.py)


def _document(app: FastAPI) -> None:
    """The OpenAPI document as a reference: each operation's summary, description and
    examples (service/api/reference.py) and the error codes its route can answer
    (service/api/catalogue.py)."""
    build = app.openapi

    def openapi() -> dict:
        return app.openapi_schema or reference.document(catalogue.document(build()))

    app.openapi = openapi
