"""Calling a connector's remote API: the one place refgraph makes requests on a user's
behalf, so it is careful.

- http and https only; at most 3 redirects, each checked like the first request;
- **where it may connect** (``Destinations``): every connection resolves its host once,
  refuses any address that is not globally routable (loopback, private, link-local,
  carrier-grade NAT, unique-local, unspecified, multicast, reserved, and IPv6 forms that
  embed one of those) and connects to the very address it checked, so a second DNS
  answer cannot switch it (DNS rebinding). ``REFGRAPH_CONNECTOR_ALLOWED_HOSTS`` names
  hosts (``shop.internal``, ``10.0.0.5``, ``127.0.0.1:8081``: with a port, only that
  port) that may be internal; when it is set, connectors may call only those hosts
  (webhooks have a list of their own, ``REFGRAPH_WEBHOOK_ALLOWED_HOSTS``, and their
  refusals name it);
- credentials never travel to another origin: a redirect to another scheme, host or
  port drops the headers that carry them (``credential_headers``);
- a connect timeout and an overall deadline per attempt: a server that drips a byte a
  second is cut off at the connector's ``timeout_s``;
- the body is read up to a size cap (REFGRAPH_CONNECTOR_MAX_RESPONSE_BYTES), counted
  after decompression;
- 429, 502, 503 and 504 are retried (3 attempts in all) after ``Retry-After`` when the
  server sends one (at most 10 s), else an exponential backoff with jitter; no other
  status is retried.

Failures are ``FetchError`` with a class the run record shows: ``request_error``,
``timeout``, ``http_error``, ``response_too_large``, ``invalid_response``,
``host_not_allowed``. Messages name the class of problem and what to change, never
the OS's error text or the addresses a name resolved to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import random
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

RETRIED = {429, 502, 503, 504}
ATTEMPTS = 3
MAX_REDIRECTS = 3
MAX_RETRY_AFTER_S = 10.0
EXCERPT = 2_000
DEFAULT_PORTS = {"http": 80, "https": 443}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


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


# ---- where connectors may connect ----------------------------------------------------

def is_public(address: IPAddress) -> bool:
    """Globally routable, including what an IPv6 address embeds (IPv4-mapped,
    IPv4-compatible, NAT64, 6to4): ``::ffff:127.0.0.1`` is loopback however it is written."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and (int(address) >> 32 == 0 or address in NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)  # ::a.b.c.d, 64:ff9b::a.b.c.d
        if embedded is not None:
            return is_public(embedded)
    site_local = isinstance(address, ipaddress.IPv6Address) and address.is_site_local  # fec0::/10
    return address.is_global and not (address.is_multicast or address.is_reserved or site_local)


def _canonical_host(host: str) -> str:
    host = host.strip().lower().rstrip(".").strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


CONNECTORS = ("connectors", "REFGRAPH_CONNECTOR_ALLOWED_HOSTS")
WEBHOOKS = ("webhooks", "REFGRAPH_WEBHOOK_ALLOWED_HOSTS")


@dataclass(frozen=True)
class Destinations:
    """REFGRAPH_CONNECTOR_ALLOWED_HOSTS (or REFGRAPH_WEBHOOK_ALLOWED_HOSTS, ``WEBHOOKS``):
    host names or IP literals, each optionally with a port. Named hosts may resolve to
    internal addresses; when any are named, they are the only hosts the callers may call.
    Refusals name the callers and their setting."""
    named: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    callers: str = CONNECTORS[0]
    setting: str = CONNECTORS[1]

    @classmethod
    def parse(cls, text: str, list_of: tuple[str, str] = CONNECTORS) -> Destinations:
        callers, setting = list_of
        entries = set()
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                ipaddress.ip_address(item.strip("[]"))  # a bare IPv6 literal has colons, not a port
                entries.add((_canonical_host(item), None))
                continue
            except ValueError:
                pass
            parts = urlsplit("//" + item)
            try:
                port = parts.port
            except ValueError:
                raise ValueError(f"{setting}: {item!r} is not host or host:port") from None
            if not parts.hostname or parts.path or parts.username:
                raise ValueError(f"{setting}: {item!r} is not host or host:port")
            entries.add((_canonical_host(parts.hostname), port))
        return cls(frozenset(entries), callers, setting)

    def names(self, host: str, port: int) -> bool:
        host = _canonical_host(host)
        return (host, None) in self.named or (host, port) in self.named

    def check_host(self, host: str, port: int) -> None:
        if self.named and not self.names(host, port):
            raise FetchError("host_not_allowed",
                             f"{host}:{port} is not among the hosts {self.callers} may call; an operator "
                             f"can add it to {self.setting}")

    def check_address(self, host: str, port: int, address: IPAddress) -> None:
        if not self.names(host, port) and not is_public(address):
            raise FetchError("host_not_allowed",
                             f"{host} is not a public address (it is loopback, private, link-local or "
                             f"reserved); {self.callers} may call such a host only when an operator names "
                             f"it in {self.setting}")


async def allowed_addresses(destinations: Destinations, host: str, port: int,
                            timeout: float | None) -> list[IPAddress]:
    """The addresses ``host`` resolves to, each one allowed (``FetchError`` otherwise)."""
    destinations.check_host(host, port)
    canonical = _canonical_host(host)
    if canonical == "localhost" or canonical.endswith(".localhost"):
        destinations.check_address(host, port, ipaddress.ip_address("127.0.0.1"))  # RFC 6761
    try:
        with anyio.fail_after(timeout):
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
    except OSError:
        raise FetchError("request_error", f"the host name {host!r} could not be resolved") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found))
    for address in addresses:  # all of them, so an answer cannot mix a private one in
        destinations.check_address(host, port, address)
    return addresses


async def check_destination(url: str, destinations: Destinations, timeout_s: float = 2.0) -> None:
    """``FetchError`` (``host_not_allowed``) when a URL being saved names a host its
    callers may not call: not in the allow-list, or one that resolves to a loopback,
    private or reserved address. A host that cannot be resolved now passes: each call
    checks again, the address it connects to."""
    parsed = httpx.URL(url)
    try:
        await allowed_addresses(destinations, parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80),
                                timeout_s)
    except FetchError as exc:
        if exc.error_class == "host_not_allowed":
            raise
    except httpcore.ConnectTimeout:
        pass


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving each host once and connecting only to the
    addresses ``Destinations`` allows: the address checked is the address connected to."""

    def __init__(self, destinations: Destinations):
        self.destinations = destinations
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        for address in await allowed_addresses(self.destinations, host, port, timeout):
            try:
                return await self.inner.connect_tcp(str(address), port, timeout=timeout,
                                                    local_address=local_address, socket_options=socket_options)
            except httpcore.ConnectError:
                continue
        raise FetchError("request_error", f"could not connect to {host}:{port}")

    async def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover - never configured
        raise FetchError("host_not_allowed", f"{self.destinations.callers} call http and https URLs only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@dataclass
class Limits:
    destinations: Destinations
    max_bytes: int
    max_pages: int = 10  # a run follows at most this many pages, whatever the connector says
    max_records: int = 10_000  # a run writes at most this many records (the batch limit)
    run_deadline_s: float = 60.0  # all pages and retries of one run
    backoff_s: float = 0.5  # first retry without Retry-After; doubles, capped at 4 s


def origin(url: str | httpx.URL) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in; ``request_error`` for a URL
    that is not one."""
    try:
        url = httpx.URL(str(url))
        return url.scheme, _canonical_host(url.host), url.port or DEFAULT_PORTS.get(url.scheme, 0)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise FetchError("request_error", f"{str(url)[:200]!r} is not a valid URL") from None


def check_scheme(url: str | httpx.URL) -> None:
    scheme = urlsplit(str(url)).scheme
    if scheme not in ("http", "https"):
        raise FetchError("request_error", f"only http and https URLs are allowed, not {str(url)[:100]!r}")


async def post_once(url: str, *, content: bytes, headers: dict[str, str], timeout_s: float,
                    limits: Limits) -> tuple[int, str]:
    """One POST of ``content`` (a webhook delivery), through the same address guard as
    connectors; a redirect is not followed (it is the answer). The status and the start
    of the answer; ``FetchError`` when no answer came."""
    check_scheme(url)
    async with _client(limits, timeout_s, origin(url), (), follow_redirects=False) as client:
        try:
            async with asyncio.timeout(timeout_s):
                async with client.stream("POST", url, content=content, headers=headers) as response:
                    start = b""
                    async for chunk in response.aiter_bytes():  # only the start: an answer may be huge
                        start += chunk
                        if len(start) >= EXCERPT:
                            break
        except (TimeoutError, httpx.TimeoutException):
            raise FetchError("timeout", f"no complete answer within {timeout_s:g} s") from None
        except httpx.ConnectError:
            raise FetchError("request_error", f"could not connect to {origin(url)[1]}") from None
        except httpx.HTTPError as exc:
            raise FetchError("request_error", f"the request failed ({type(exc).__name__})") from None
    return response.status_code, start[:EXCERPT].decode("utf-8", errors="replace")


def _client(limits: Limits, timeout_s: float, first: tuple[str, str, int],
            credential_headers: Iterable[str], *, follow_redirects: bool = True) -> httpx.AsyncClient:
    secret = {name.lower() for name in credential_headers}

    async def on_request(request: httpx.Request) -> None:  # the first request and every redirect
        check_scheme(request.url)
        if origin(request.url) != first:
            for name in [n for n in request.headers if n.lower() in secret]:
                del request.headers[name]

    transport = httpx.AsyncHTTPTransport()
    # httpx 0.28 does not pass a network backend through; its pool is httpcore's, which takes one.
    transport._pool = httpcore.AsyncConnectionPool(ssl_context=httpx.create_ssl_context(),
                                                   network_backend=CheckedBackend(limits.destinations))
    timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
    return httpx.AsyncClient(timeout=timeout, follow_redirects=follow_redirects, max_redirects=MAX_REDIRECTS,
                             event_hooks={"request": [on_request]}, trust_env=False, transport=transport)


async def fetch(method: str, url: str, *, params: dict[str, str] | None, headers: dict[str, str],
                json_body: Any, timeout_s: float, limits: Limits,
                credential_headers: Iterable[str] = ()) -> Fetched:
    """One request, retried as described above; the body parsed as JSON."""
    check_scheme(url)
    async with _client(limits, timeout_s, origin(url), credential_headers) as client:
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
                async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts in full
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
    except httpx.ConnectError:
        raise FetchError("request_error", f"could not connect to {origin(url)[1]}") from None
    except httpx.HTTPError as exc:
        raise FetchError("request_error", f"the request failed ({type(exc).__name__})") from None
    except (httpx.InvalidURL, ValueError):  # a URL (or a redirect's Location) that is not one
        raise FetchError("request_error", "the request or a redirect named a URL that is not valid") from None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, min(MAX_RETRY_AFTER_S, float(value)))
    except ValueError:
        return None
