"""Calling a connector's remote API: the one place refgraph makes requests on a user's
behalf, so it is careful.

- http and https only, and only to the allowed hosts when a list is set
  (REFGRAPH_CONNECTOR_ALLOWED_HOSTS), redirects included (at most 3);
- a connect timeout and an overall deadline per attempt: a server that drips a byte a
  second is cut off at the connector's ``timeout_s``;
- the body is read up to a size cap (REFGRAPH_CONNECTOR_MAX_RESPONSE_BYTES);
- 429, 502, 503 and 504 are retried (3 attempts in all) after ``Retry-After`` when the
  server sends one (at most 10 s), else an exponential backoff with jitter; no other
  status is retried.

Failures are ``FetchError`` with a class the run record shows: ``request_error``,
``timeout``, ``http_error``, ``response_too_large``, ``invalid_response``,
``host_not_allowed``.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

RETRIED = {429, 502, 503, 504}
ATTEMPTS = 3
MAX_REDIRECTS = 3
MAX_RETRY_AFTER_S = 10.0
EXCERPT = 2_000


class FetchError(Exception):
    def __init__(self, error_class: str, message: str, *, http_status: int | None = None,
                 excerpt: str | None = None):
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.http_status = http_status
        self.excerpt = excerpt


@dataclass
class Fetched:
    status: int
    body: Any  # parsed JSON
    excerpt: str  # the start of the raw body, for the test route


@dataclass
class Limits:
    allowed_hosts: set[str]
    max_bytes: int
    max_pages: int = 10  # a run follows at most this many pages, whatever the connector says
    backoff_s: float = 0.5  # first retry without Retry-After; doubles, capped at 4 s


def check_url(url: str, allowed_hosts: set[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("request_error", f"only http and https URLs are allowed, not {url[:100]!r}")
    host = (parts.hostname or "").lower()
    if allowed_hosts and host not in allowed_hosts:
        raise FetchError("host_not_allowed",
                         f"{host!r} is not among the hosts connectors may call (REFGRAPH_CONNECTOR_ALLOWED_HOSTS)")


async def fetch(method: str, url: str, *, params: dict[str, str] | None, headers: dict[str, str],
                json_body: Any, timeout_s: float, limits: Limits) -> Fetched:
    """One request, retried as described above; the body parsed as JSON."""
    check_url(url, limits.allowed_hosts)

    async def on_request(request: httpx.Request) -> None:  # every redirect is checked too
        check_url(str(request.url), limits.allowed_hosts)

    timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                                 event_hooks={"request": [on_request]}, trust_env=False) as client:
        for attempt in range(1, ATTEMPTS + 1):
            status, raw, retry_after = await _attempt(client, method, url, params, headers, json_body,
                                                      timeout_s, limits.max_bytes)
            if status in RETRIED and attempt < ATTEMPTS:
                wait = retry_after if retry_after is not None else min(
                    4.0, limits.backoff_s * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
                await asyncio.sleep(wait)
                continue
            break
    excerpt = raw[:EXCERPT].decode("utf-8", errors="replace")
    if not 200 <= status < 300:
        raise FetchError("http_error", f"the remote API answered {status}", http_status=status, excerpt=excerpt)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise FetchError("invalid_response", f"the response is not JSON: {exc}", http_status=status,
                         excerpt=excerpt) from None
    return Fetched(status=status, body=body, excerpt=excerpt)


async def _attempt(client: httpx.AsyncClient, method: str, url: str, params, headers, json_body,
                   timeout_s: float, max_bytes: int) -> tuple[int, bytes, float | None]:
    try:
        async with asyncio.timeout(timeout_s):
            async with client.stream(method, url, params=params, headers=headers,
                                     json=json_body) as response:
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError("response_too_large",
                                         f"the response is larger than {max_bytes:,} bytes",
                                         http_status=response.status_code)
                    chunks.append(chunk)
                return response.status_code, b"".join(chunks), _retry_after(response)
    except (TimeoutError, httpx.TimeoutException):
        raise FetchError("timeout", f"no complete answer within {timeout_s:g} s") from None
    except httpx.TooManyRedirects:
        raise FetchError("request_error", f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.HTTPError as exc:
        raise FetchError("request_error", f"the request failed: {type(exc).__name__}: {exc}") from None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, min(MAX_RETRY_AFTER_S, float(value)))
    except ValueError:
        return None
