"""All settings in one class, read from the environment (prefix ``REFGRAPH_``).

``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` (no prefix) point the service at
an existing server (Docker, a cluster with a ``neo4j://`` routing URI, Aura); when
``NEO4J_URI`` is unset the service starts its own local Neo4j.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEV_TOKEN = "dev-token"
DEV_NEO4J_PASSWORD = "refgraph-dev-password"
DEV_SECRETS_KEY = "cmVmZ3JhcGgtZGV2LXNlY3JldHMta2V5LTMyYnl0ZXM="  # Fernet key for local runs only


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFGRAPH_", extra="ignore")

    environment: Literal["local", "production"] = "local"

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    # An external Neo4j. Unset: the service starts a local server (see local_neo4j).
    neo4j_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_URI", "REFGRAPH_NEO4J_URI")
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "REFGRAPH_NEO4J_USER")
    )
    neo4j_password: SecretStr = Field(
        default=SecretStr(DEV_NEO4J_PASSWORD),
        validation_alias=AliasChoices("NEO4J_PASSWORD", "REFGRAPH_NEO4J_PASSWORD"),
    )
    neo4j_database: str = Field(
        default="neo4j",
        validation_alias=AliasChoices("NEO4J_DATABASE", "REFGRAPH_NEO4J_DATABASE"),
    )

    # The local server (used only when neo4j_uri is unset).
    neo4j_bolt_port: int = 7687
    neo4j_http_port: int = 7474
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "2g"
    data_dir: Path = PROJECT_ROOT / ".refgraph" / "data"
    cache_dir: Path = Path.home() / ".cache" / "refgraph"

    # "token:workspace" pairs, comma separated: every scope (local development).
    tokens: SecretStr = SecretStr(f"{DEV_TOKEN}:default")
    # Tokens made by `refgraph token create` are looked up at most this often each: a
    # revoked token stops working within this many seconds.
    token_cache_s: float = 5.0
    # Per token and process: requests a second on average and the burst allowed (0: no
    # limit); and the largest request body.
    rate_limit_per_s: float = 100.0
    rate_limit_burst: int = 200
    max_body_bytes: int = 32 * 1024 * 1024

    # Per-workspace quotas: Neo4j never reclaims labels and relationship types.
    max_types_per_workspace: int = 50
    max_attributes_per_type: int = 100

    cypher_dir: Path = PROJECT_ROOT / "cypher"
    # A report runs in a read transaction that Neo4j stops after this long; JSON
    # answers hold at most report_max_rows rows (CSV streams them all).
    report_timeout_s: float = 30.0
    traversal_timeout_s: float = 10.0
    report_max_rows: int = 10_000

    # Connectors: the hosts they may call (comma separated; empty: any), the largest
    # response body read, how many pages one run may fetch, and the key that encrypts
    # secrets at rest (a Fernet key; production needs its own).
    connector_allowed_hosts: str = ""
    connector_max_response_bytes: int = 5_000_000
    connector_max_pages: int = 10
    secrets_key: SecretStr = SecretStr(DEV_SECRETS_KEY)
    # How long start-up waits for Neo4j before serving 503s while it keeps trying.
    startup_wait_s: float = 30.0
    # How long a transaction is retried (deadlocks, lost connections) before the request fails.
    neo4j_retry_s: float = 10.0
    # How long a process waits for a migration another process is applying.
    migration_wait_s: float = 120.0

    @field_validator("data_dir", "cache_dir", "cypher_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _no_default_secrets_outside_local(self) -> Settings:
        self.token_workspaces()  # fail early on a malformed REFGRAPH_TOKENS
        if self.environment != "local":
            if DEV_TOKEN in self.token_workspaces():
                raise ValueError("REFGRAPH_TOKENS still holds the dev token; set real tokens")
            if self.neo4j_password.get_secret_value() == DEV_NEO4J_PASSWORD:
                raise ValueError("NEO4J_PASSWORD is the dev default; set a real password")
            if self.secrets_key.get_secret_value() == DEV_SECRETS_KEY:
                raise ValueError("REFGRAPH_SECRETS_KEY is the dev default; set a Fernet key "
                                 "(python -c 'from cryptography.fernet import Fernet; "
                                 "print(Fernet.generate_key().decode())')")
        return self

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

    def allowed_hosts(self) -> set[str]:
        return {h.strip().lower() for h in self.connector_allowed_hosts.split(",") if h.strip()}

    @property
    def local_bolt_uri(self) -> str:
        return f"bolt://localhost:{self.neo4j_bolt_port}"
