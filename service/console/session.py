"""The console's session: a cookie the browser cannot read (``HttpOnly``), sends to this
site only (``SameSite=Strict``) and, on https, only over https (``Secure``). It holds the
signed-in token and a CSRF secret, encrypted and authenticated with a key derived from
``REFGRAPH_SECRETS_KEY``, and the id of its session in the graph; every request checks
the token again (a revoked token signs the console out) and that the session is still
open (signing out closes it, so a copy of the cookie ends with it). Every form post carries the CSRF secret in a hidden field: a post from
another site has neither the cookie nor the secret."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from service.api.auth import Caller, caller_for

COOKIE = "refgraph_console"
PRE_COOKIE = "refgraph_console_pre"  # the sign-in form's CSRF secret, before any session
MAX_AGE_S = 8 * 3600


def session_key(secrets_key: str) -> Fernet:
    """A key of the console's own, derived from the secrets key (never the key itself)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"refgraph console session").derive(
        secrets_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@dataclass(frozen=True)
class Session:
    caller: Caller
    csrf: str
    id: str

    @property
    def can_write(self) -> bool:
        return self.caller.scope in ("write", "admin")

    @property
    def can_admin(self) -> bool:
        return self.caller.scope == "admin"


def sealed(key: Fernet, token: str, session_id: str) -> str:
    """A new session's cookie value (with a CSRF secret of its own)."""
    csrf = secrets.token_urlsafe(24)
    return key.encrypt(json.dumps({"t": token, "c": csrf, "s": session_id}).encode()).decode()


async def opened(key: Fernet, state, cookie: str | None) -> Session | None:
    """The session a cookie holds, if it is this server's, not expired or signed out, and
    its token still valid."""
    if not cookie:
        return None
    try:
        content = json.loads(key.decrypt(cookie.encode(), ttl=MAX_AGE_S))
    except (InvalidToken, ValueError):
        return None
    caller = await caller_for(state, content.get("t", ""))
    if caller is None or not await state.console_sessions.is_open(content.get("s", "")):
        return None
    return Session(caller, content["c"], content["s"])


def same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())
