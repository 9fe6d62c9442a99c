"""API tokens kept in the graph (``(:_Token)``, hashed): created, listed and revoked by
the CLI with a sync driver; looked up by the API, cached for a few seconds."""

from __future__ import annotations

from typing import Any

from cachetools import TTLCache
from neo4j import Driver

from service.domain.identifiers import check_identifier
from service.domain.records import new_id
from service.domain.tokens import PREFIX, SCOPES, Scope, new_token, token_hash
from service.errors import InvalidInput, NotFound
from service.store.database import Database
from service.store.queries import Queries

USES = ["tokens/create", "tokens/find", "tokens/list", "tokens/revoke"]


class TokenStore:
    """The API's side: which token id, workspace and scope a presented token has. Answers
    (a miss too) are cached for ``cache_s`` seconds, for at most ``max_cached`` tokens."""

    def __init__(self, db: Database, *, cache_s: float, max_cached: int = 10_000):
        self.db = db
        self._cache: TTLCache = TTLCache(maxsize=max_cached, ttl=cache_s)
        # Tokens found valid within the hour: from an address whose failed attempts are
        # spent, looked up again (revocation) without waiting for a look-up slot.
        self._known: TTLCache = TTLCache(maxsize=max_cached, ttl=3600)

    def known(self, token: str) -> bool:
        """A token this process found valid within the hour."""
        return token_hash(token) in self._known

    def cached(self, token: str) -> tuple[bool, tuple[str, str, Scope] | None]:
        """(True, the answer) when it is known without the database (a token that is not
        ``rg_``-shaped is no database token; a look-up or miss still cached); else (False, None)."""
        if not token.startswith(PREFIX):
            return True, None
        key = token_hash(token)
        return (True, self._cache[key]) if key in self._cache else (False, None)

    async def find(self, token: str) -> tuple[str, str, Scope] | None:
        if not token.startswith(PREFIX):
            return None
        key = token_hash(token)
        if key in self._cache:
            return self._cache[key]
        rows = await self.db.read_query("tokens/find", hash=key)
        found = (rows[0]["id"], rows[0]["workspace"], rows[0]["scope"]) if rows else None
        self._cache[key] = found
        if found:
            self._known[key] = True
        return found


# ---- the CLI's side ------------------------------------------------------------------

def create(driver: Driver, database: str, queries: Queries, workspace: str, scope: Scope) -> dict[str, Any]:
    """A new token; the only time its value is known."""
    check_identifier(workspace, what="workspace")
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}")
    token = new_token()
    props = {"id": new_id(), "workspace": workspace, "scope": scope, "hash": token_hash(token),
             "prefix": token[:8]}
    driver.execute_query(queries["tokens/create"].query(), props=props, database_=database)
    return {**props, "token": token}


def listed(driver: Driver, database: str, queries: Queries) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(queries["tokens/list"].query(), database_=database)
    return [r.data() for r in records]


def revoke(driver: Driver, database: str, queries: Queries, token_id: str) -> None:
    records, _, _ = driver.execute_query(queries["tokens/revoke"].query(), id=token_id, database_=database)
    if not records[0]["revoked"]:
        raise NotFound(f"no live token with id {token_id!r}")
