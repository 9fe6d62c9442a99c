"""The settings, read from the environment (prefix ``REFGRAPH_``), one small class per
concern and ``Settings`` made of them all (a field keeps its variable's name wherever it is
declared; docs/settings.md lists them under the same headings, and a test checks it)::

    Settings
     ├── ServerSettings      where the API listens, its processes, the environment
     ├── Neo4jSettings       the Neo4j in use (NEO4J_URI ...), the driver's pool and retries
     ├── LocalNeo4jSettings  the local server started when NEO4J_URI is unset
     ├── AccessSettings      tokens, their cache, rate limits, failed sign-ins, secrets key
     ├── LimitSettings       bodies, quotas, reports and traversals
     ├── AdmissionSettings   each tenant's share of expensive work and of Neo4j's connections
     ├── ConnectorSettings   the hosts connectors may call and how much they may fetch
     ├── WebhookSettings     who delivers, to which hosts, time limits, leases
     └── HousekeepingSettings  retention and purges (events, idempotency keys)

``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` (no prefix) point the service at
an existing server (Docker, a cluster with a ``neo4j://`` routing URI, Aura); when
``NEO4J_URI`` is unset the service starts its own local Neo4j.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.domain.records import MAX_ATTRIBUTES
from service.fetch import WEBHOOKS, Destinations

PACKAGE = Path(__file__).resolve().parent  # its data: service/refgraph.grass, the console's templates
# The named queries: the top-level cypher/ of a source tree, or the wheel's copy of it
# (package data at service/cypher, which a source tree never has).
CYPHER = next((d for d in (PACKAGE / "cypher", PACKAGE.parent / "cypher") if d.is_dir()), PACKAGE / "cypher")
DEV_TOKEN = "dev-token"
DEV_NEO4J_PASSWORD = "refgraph-dev-password"
MIN_STATIC_TOKEN = 32  # outside local
DEV_SECRETS_KEY = "cmVmZ3JhcGgtZGV2LXNlY3JldHMta2V5LTMyYnl0ZXM="  # Fernet key for local runs only


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _env(name: str) -> AliasChoices:
    """A Neo4j variable read without the prefix (as Neo4j's own tools name it) or with it."""
    return AliasChoices(name, f"REFGRAPH_{name}")


class ServerSettings(BaseModel):
    environment: Literal["local", "production"] = "local"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # API processes `refgraph serve` runs (--workers). Each process enforces its share of
    # the rate limits (divided by this), so a token's limit holds across them.
    workers: int = Field(1, ge=1, le=64)
    # Where each request's JSON line goes: a file, or `-` for the process's log (standard
    # error). Unset: the process's log, except that `refgraph serve` in local writes the
    # local data's logs/refgraph-access.log, so the terminal keeps the banner in view.
    access_log: str = ""
    # The origins of Neo4j Browser pages that may fetch /browser.grass (comma separated;
    # empty: http://localhost and http://127.0.0.1 at neo4j_http_port).
    browser_origins: str = ""


class Neo4jSettings(BaseModel):
    # An external Neo4j. Unset: the service starts a local server (see local_neo4j).
    neo4j_uri: str | None = Field(default=None, validation_alias=_env("NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=_env("NEO4J_USER"))
    neo4j_password: SecretStr = Field(default=SecretStr(DEV_NEO4J_PASSWORD), validation_alias=_env("NEO4J_PASSWORD"))
    neo4j_database: str = Field(default="neo4j", validation_alias=_env("NEO4J_DATABASE"))
    # Connections the driver keeps to Neo4j at most (per process).
    neo4j_max_connections: int = Field(100, ge=1)
    # How long start-up waits for Neo4j before serving 503s while it keeps trying.
    startup_wait_s: float = 30.0
    # How long a transaction is retried (deadlocks, lost connections) before the request fails.
    neo4j_retry_s: float = 10.0
    # How long a process waits for a migration another process is applying.
    migration_wait_s: float = 120.0
    cypher_dir: Path = CYPHER


class LocalNeo4jSettings(BaseModel):
    """The local server (used only when neo4j_uri is unset)."""
    neo4j_bolt_port: int = 7687
    neo4j_http_port: int = 7474
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "2g"
    neo4j_transaction_memory: str = "1g"  # db.memory.transaction.max: one transaction's most
    data_dir: Path = Path(".refgraph") / "data"  # under the folder refgraph runs in
    cache_dir: Path = Path.home() / ".cache" / "refgraph"

    @property
    def local_bolt_uri(self) -> str:
        return f"bolt://localhost:{self.neo4j_bolt_port}"


class AccessSettings(BaseModel):
    # "token:workspace" pairs, comma separated: every scope (local development).
    tokens: SecretStr = SecretStr(f"{DEV_TOKEN}:default")
    # Tokens made by `refgraph token create` are looked up at most this often each: a
    # revoked token stops working within this many seconds.
    token_cache_s: float = 5.0
    token_cache_size: int = 10_000  # tokens (and misses) cached per process, least recent dropped
    # Per token: requests a second on average and the burst allowed (0: no limit).
    rate_limit_per_s: float = 100.0
    rate_limit_burst: int = 200
    # Per client address: failed authentications a second and their burst;
    # past it the address gets 429 before its tokens are looked up (0: no limit).
    auth_failures_per_s: float = 1.0
    auth_failure_burst: int = 20
    # Encrypts connector and webhook secrets at rest (a Fernet key; production needs its own).
    secrets_key: SecretStr = SecretStr(DEV_SECRETS_KEY)

    def token_workspaces(self) -> dict[str, str]:
        """The static tokens, token -> workspace."""
        pairs: dict[str, str] = {}
        for item in self.tokens.get_secret_value().split(","):
            item = item.strip()
            if not item:
                continue
            token, sep, workspace = item.partition(":")
            if not sep or not token or not workspace:
                raise ValueError("REFGRAPH_TOKENS must be 'token:workspace' pairs, comma separated")
            pairs[token] = workspace
        return pairs


class LimitSettings(BaseModel):
    max_body_bytes: int = 32 * 1024 * 1024  # the largest request body
    # Per-workspace quotas: Neo4j never reclaims labels and relationship types.
    max_types_per_workspace: int = 50
    max_attributes_per_type: int = Field(100, ge=1, le=MAX_ATTRIBUTES)  # a record's limit too
    # A folder of the operator's own reports (NAME.cypher, as in cypher/reports),
    # offered beside the built-in ones.
    reports_dir: Path | None = None
    # A report runs in a read transaction that Neo4j stops after this long; JSON
    # answers hold at most report_max_rows rows (CSV streams them all).
    report_timeout_s: float = 30.0
    report_max_rows: int = 10_000
    traversal_timeout_s: float = 10.0


class ConnectorSettings(BaseModel):
    # The hosts connectors may call (comma separated, each host or host:port; empty: any
    # public address, never an internal one), the largest response body read, how many
    # pages and records one run may fetch and how long it may take in all.
    connector_allowed_hosts: str = ""
    connector_max_response_bytes: int = 5_000_000
    connector_max_pages: int = 10
    connector_max_records: int = 10_000
    connector_run_deadline_s: float = 60.0

    def destinations(self) -> Destinations:
        return Destinations.parse(self.connector_allowed_hosts)


class WebhookSettings(BaseModel):
    # Deliveries are made by the API process unless this is off (then by `refgraph worker`).
    deliver_webhooks: bool = True
    # Internal hosts webhooks may be delivered to, as REFGRAPH_CONNECTOR_ALLOWED_HOSTS is
    # for connectors (a list of its own: opening a host to connectors does not open it to
    # every workspace admin's webhooks).
    webhook_allowed_hosts: str = ""
    # One delivery's time limit; how long an endpoint may fail before it is disabled.
    webhook_timeout_s: float = Field(10.0, gt=0, le=60)
    webhook_disable_after_s: float = Field(86_400.0, gt=0)
    # How long a process holds an endpoint it delivers to: another takes it over this long
    # after the holder died.
    webhook_lease_s: float = Field(30.0, ge=1, le=600)

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self):
        if self.webhook_lease_s <= 2 * self.webhook_timeout_s:
            raise ValueError("REFGRAPH_WEBHOOK_LEASE_S must be more than twice REFGRAPH_WEBHOOK_TIMEOUT_S: "
                             "a delivery must end while its process holds the endpoint")
        return self

    def webhook_destinations(self) -> Destinations:
        return Destinations.parse(self.webhook_allowed_hosts, WEBHOOKS)


class AdmissionSettings(BaseModel):
    # How long an expensive request over its token's or workspace's quota waits for a slot
    # before it answers 503 over_capacity (service/api/admission.py), and the most of this
    # process's Neo4j connections one workspace may hold at once (a fraction of
    # REFGRAPH_NEO4J_MAX_CONNECTIONS; a session over it waits as long, then 503).
    admission_queue_s: float = Field(5.0, ge=0, le=30)
    workspace_pool_share: float = Field(0.5, gt=0, le=1)
    # Every quota of docs/security.md's admission table times this: the defaults keep one
    # tenant from slowing another on a small server (bench/README.md, isolation); a larger
    # one, or a deployment of one tenant, may admit more at once.
    admission_scale: float = Field(1.0, gt=0, le=100)


class HousekeepingSettings(BaseModel):
    # How often idempotency keys older than a day are deleted (by one process at a time).
    idempotency_purge_every_s: float = 600.0
    # Change events are kept this long (the feed starts at the oldest kept), and the
    # process holding the purge's lease purges older ones this often.
    events_retention_days: float = Field(7.0, gt=0)
    events_purge_every_s: float = 600.0


class Settings(BaseSettings, ServerSettings, Neo4jSettings, LocalNeo4jSettings, AccessSettings, LimitSettings,
               AdmissionSettings, ConnectorSettings, WebhookSettings, HousekeepingSettings):
    model_config = SettingsConfigDict(env_prefix="REFGRAPH_", extra="ignore")

    @field_validator("data_dir", "cache_dir", "cypher_dir", "reports_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value if value is None else value.expanduser().resolve()

    @model_validator(mode="after")
    def _no_default_secrets_outside_local(self) -> Settings:
        self.token_workspaces()  # fail early on a malformed REFGRAPH_TOKENS
        self.destinations()  # and on a malformed REFGRAPH_CONNECTOR_ALLOWED_HOSTS
        self.webhook_destinations()  # or REFGRAPH_WEBHOOK_ALLOWED_HOSTS
        if self.environment != "local":
            if DEV_TOKEN in self.token_workspaces():
                raise ValueError("REFGRAPH_TOKENS still holds the dev token; set real tokens")
            short = [t[:4] + "..." for t in self.token_workspaces() if len(t) < MIN_STATIC_TOKEN]
            if short:
                raise ValueError(f"REFGRAPH_TOKENS: {', '.join(short)} shorter than {MIN_STATIC_TOKEN} "
                                 "characters; use long random tokens (python -c 'import secrets; "
                                 "print(secrets.token_urlsafe(32))') or `refgraph token create`")
            if self.neo4j_password.get_secret_value() == DEV_NEO4J_PASSWORD:
                raise ValueError("NEO4J_PASSWORD is the dev default; set a real password")
            if self.secrets_key.get_secret_value() == DEV_SECRETS_KEY:
                raise ValueError("REFGRAPH_SECRETS_KEY is the dev default; set a Fernet key "
                                 "(python -c 'from cryptography.fernet import Fernet; "
                                 "print(Fernet.generate_key().decode())')")
        return self

    def dev_credentials(self) -> list[str]:
        """The development credentials still in use, by setting name."""
        return [name for name, dev in (("REFGRAPH_TOKENS", DEV_TOKEN in self.token_workspaces()),
                                       ("NEO4J_PASSWORD", self.neo4j_password.get_secret_value() == DEV_NEO4J_PASSWORD),
                                       ("REFGRAPH_SECRETS_KEY", self.secrets_key.get_secret_value() == DEV_SECRETS_KEY))
                if dev]

    def exposure_problem(self, host: str) -> str | None:
        """Why serving on ``host`` would be unsafe: a non-loopback address while development
        credentials are in use, unless REFGRAPH_ENVIRONMENT was set on purpose."""
        if is_loopback(host) or "environment" in self.model_fields_set:
            return None
        dev = self.dev_credentials()
        if not dev:
            return None
        return (f"refusing to listen on {host}: {', '.join(dev)} still hold development defaults that anyone "
                "who can reach this address could use. Set real ones and REFGRAPH_ENVIRONMENT=production, "
                "or listen on 127.0.0.1, or set REFGRAPH_ENVIRONMENT=local explicitly to accept it (as "
                "docker-compose.yml does behind ports published on 127.0.0.1 only)")

    def browser_origin_set(self) -> frozenset[str]:
        listed = {origin.strip().rstrip("/") for origin in self.browser_origins.split(",") if origin.strip()}
        return frozenset(listed or {f"http://{host}:{self.neo4j_http_port}" for host in ("localhost", "127.0.0.1")})


# Every concern, in the order docs/settings.md lists them.
CONCERNS = (ServerSettings, Neo4jSettings, LocalNeo4jSettings, AccessSettings, LimitSettings,
            AdmissionSettings, ConnectorSettings, WebhookSettings, HousekeepingSettings)
