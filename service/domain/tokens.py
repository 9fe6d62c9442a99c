"""API tokens and what each scope may do: pure, no I/O.

A token is ``rg_`` and 43 random URL-safe characters (256 bits), shown once; only its
SHA-256 is stored (a fast hash is enough for a random secret of that length). Scopes
are ordered: ``read`` < ``write`` < ``admin``.

    read   every GET
    write  and the writes of data: objects, references, batches, connector runs and
           tests, selector buttons and selections, the Intercom routes
    admin  and the changes of the schema (restoring prunes too), connectors, selector
           steps and secrets (and reading secrets' names), and webhooks (reading them too)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Literal

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
PREFIX = "rg_"
ADMIN_AREAS = ("/v1/types", "/v1/connectors", "/v1/selectors", "/v1/secrets", "/v1/prunes")
DATA_ROUTES = re.compile(r"^/v1/connectors/[^/]+/(runs|test)$")  # running a connector writes data only


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def needed_scope(method: str, path: str) -> Scope:
    """The scope a request needs, from its method and path."""
    def within(area: str) -> bool:
        return path == area or path.startswith(area + "/")

    if within("/v1/secrets") or within("/v1/webhooks"):  # names and URLs that may carry keys
        return "admin"
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    if DATA_ROUTES.match(path):
        return "write"
    if any(within(area) for area in ADMIN_AREAS):
        return "admin"
    return "write"


def allows(scope: Scope, needed: Scope) -> bool:
    return SCOPES.index(scope) >= SCOPES.index(needed)
