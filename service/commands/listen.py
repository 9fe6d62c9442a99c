"""``refgraph listen PORT --secret whsec_...``: a webhook receiver for trying webhooks out.
It verifies each delivery's signature (Standard Webhooks, with the `standardwebhooks`
library, as your own receiver would) and prints one line per event."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import typer
from standardwebhooks import Webhook, WebhookVerificationError

from service.commands.output import console


def event_line(event: dict) -> str:
    obj = event.get("object") or {}
    parts = [event["type"], obj.get("type", ""), obj.get("external_id") or obj.get("id") or ""]
    if event.get("attribute"):
        parts.append(event["attribute"])
    if event.get("target"):
        parts.append("-> " + (event["target"].get("external_id") or event["target"].get("id") or ""))
    if event.get("changes"):
        parts.append(json.dumps(event["changes"], separators=(",", ":")))
    return " ".join(p for p in parts if p) + f"  ({event['cause']['kind']})"


def listen(port: int = typer.Argument(..., metavar="PORT", help="The loopback port to listen on"),
           secret: str = typer.Option(..., help="The webhook's signing secret (whsec_...)"),
           count: int = typer.Option(0, metavar="N", help="Stop after N events (0: run until Ctrl-C)")) -> None:
    """Receive webhooks on 127.0.0.1:PORT, verify each, print its events."""
    verifier = Webhook(secret)
    seen: list[dict] = []
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = verifier.verify(body, dict(self.headers))
            except WebhookVerificationError as exc:
                console.print(f"refused a delivery: {exc}", style="red")
                self.send_response(400)
            else:
                for event in payload["events"]:
                    console.print(event_line(event))
                    seen.append(event)
                self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if count and len(seen) >= count:
                done.set()

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
