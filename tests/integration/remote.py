"""A real HTTP server on loopback standing in for a business's API: canned payloads
from tests/data/ and the ways such an API misbehaves."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parents[1] / "data"


class RemoteApi:
    def __init__(self, port: int = 0) -> None:
        self.orders_file = "orders_v1.json"
        self.requests: list[dict] = []  # path, query and headers of every request
        self.hits: dict[str, int] = {}
        remote = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                remote.requests.append({"path": parts.path, "query": parse_qs(parts.query),
                                        "headers": dict(self.headers)})
                remote.hits[parts.path] = remote.hits.get(parts.path, 0) + 1
                handler = getattr(remote, "serve_" + parts.path.strip("/").replace("-", "_"), None)
                if handler is None:
                    self.answer(404, b'{"error": "no such route"}')
                else:
                    handler(self, parse_qs(parts.query))

            def answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- routes ------------------------------------------------------------------

    def serve_orders(self, h, query) -> None:
        h.answer(200, (DATA / self.orders_file).read_bytes())

    def serve_missing_id(self, h, query) -> None:
        h.answer(200, (DATA / "orders_missing_id.json").read_bytes())

    def serve_fails(self, h, query) -> None:
        h.answer(500, b'{"error": "internal"}')

    def serve_slow(self, h, query) -> None:
        time.sleep(3)
        h.answer(200, (DATA / "orders_v1.json").read_bytes())

    def serve_drip(self, h, query) -> None:
        """Headers at once, then one byte at a time: each read is quick, the whole never."""
        body = (DATA / "orders_v1.json").read_bytes()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            for byte in body:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def serve_big(self, h, query) -> None:
        orders = [{"id": f"X-{i}", "number": f"N{i}", "amount": {"value": i}, "customer_id": "cust-1",
                   "padding": "x" * 200} for i in range(2_000)]
        h.answer(200, json.dumps({"data": {"orders": orders}}).encode())

    def serve_malformed(self, h, query) -> None:
        h.answer(200, b'{"data": {"orders": [ {"id": "A-1", ')

    def serve_busy_once(self, h, query) -> None:
        if self.hits["/busy-once"] == 1:
            h.answer(429, b'{"error": "slow down"}', {"Retry-After": "1"})
        else:
            h.answer(200, (DATA / "orders_v1.json").read_bytes())

    def serve_pages(self, h, query) -> None:
        """Two pages by cursor; the second gives its own cursor again (a loop)."""
        page = query.get("cursor", ["1"])[0]
        orders = json.loads((DATA / "orders_v1.json").read_text())["data"]["orders"]
        chunks = {"1": (orders[:2], "2"), "2": (orders[2:], "2")}
        records, following = chunks[page]
        h.answer(200, json.dumps({"data": {"orders": records}, "next": following}).encode())

    def serve_linked(self, h, query) -> None:
        """Pages linked by the full URL of the next one; the last has none."""
        page = int(query.get("page", ["1"])[0])
        orders = json.loads((DATA / "orders_v1.json").read_text())["data"]["orders"]
        following = f"{self.url}/linked?page={page + 1}" if page < len(orders) else None
        h.answer(200, json.dumps({"data": {"orders": [orders[page - 1]]}, "links": {"next": following}}).encode())

    def serve_next_elsewhere(self, h, query) -> None:
        """One page whose next page is wherever ?to= says."""
        orders = json.loads((DATA / "orders_v1.json").read_text())["data"]["orders"]
        h.answer(200, json.dumps({"data": {"orders": orders[:1]}, "links": {"next": query["to"][0]}}).encode())

    def serve_linked_slow(self, h, query) -> None:
        """Endless pages, each quick enough alone (0.6 s)."""
        page = int(query.get("page", ["1"])[0])
        time.sleep(0.6)
        orders = [{"id": f"P-{page}", "number": f"N{page}"}]
        h.answer(200, json.dumps({"data": {"orders": orders},
                                  "links": {"next": f"{self.url}/linked-slow?page={page + 1}"}}).encode())

    def serve_gzip_bomb(self, h, query) -> None:
        """A small gzip body that inflates to 10 MB."""
        body = gzip.compress(b'{"data": {"orders": [], "pad": "' + b"0" * 10_000_000 + b'"}}')
        h.answer(200, body, {"Content-Encoding": "gzip"})

    def serve_redirect(self, h, query) -> None:
        h.answer(302, b"", {"Location": query.get("to", ["/orders"])[0]})
