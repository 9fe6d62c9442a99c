"""A webhook receiver on loopback, as a user would write one: it verifies every delivery
with the `standardwebhooks` library and keeps what it accepted."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, port: int = 0) -> None:
        self.secret: str | None = None
        self.fail_until = 0.0  # answer 500 until this time.monotonic()
        self.delay_s = 0.0  # before answering
        self.accepted: list[dict] = []  # {"id": webhook-id, "events": [...]}
        self.refused = 0  # 500s answered
        self.forged = 0  # deliveries whose signature did not verify
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(receiver.delay_s)
                if time.monotonic() < receiver.fail_until:
                    receiver.refused += 1
                    return self.answer(500)
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.forged += 1
                    return self.answer(400)
                receiver.accepted.append({"id": self.headers["webhook-id"], "events": payload["events"]})
                self.answer(204)

            def answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [e for delivery in self.accepted for e in delivery["events"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
