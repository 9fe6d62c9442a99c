"""What recording change events costs a write: the batch ingest of this checkout's API
against the same ingest by the API of a commit from before events (``--before``), in the
same run, on the same Neo4j, with the same rows, each round another side first.

    .venv/bin/python -m bench.events_cost                      # 100,000 orders, 3 rounds
    .venv/bin/python -m bench.events_cost --scale 10000 --rounds 1

New rows (every one an ``object.created`` and a ``reference.added``) and a re-ingest
with every tenth total changed (an ``object.updated`` each). Target: at most 10% slower.

Then webhooks, to a receiver on loopback that verifies every delivery: the latency from a
write's answer (its commit) to the receipt of its event (p50, p99 over ``--writes``
single writes), and the delivery throughput of one batch of ``--batch`` new objects.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook

from bench.common import ORDER, REMOTE_PORT, ROOT, Api, api_server, neo4j_server, orders

BEFORE_EVENTS = "d219289"  # the last commit before change events (issue 16's end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--before", default=BEFORE_EVENTS, help="the commit to compare with")
    parser.add_argument("--writes", type=int, default=300, help="single writes timed to their webhook")
    args = parser.parse_args()
    people = max(1, args.scale // 10)
    rows, changed = orders(args.scale, people), orders(args.scale, people, changed=True)
    tokens = {side: [f"bench-{side}-{uuid.uuid4().hex}" for _ in range(args.rounds + 1)] for side in ("now", "before")}
    spec = ",".join(f"{t}:bench_{t[-12:]}" for ts in tokens.values() for t in ts)
    results: dict[str, list[float]] = {k: [] for k in ("now", "before", "now_changed", "before_changed")}
    with tempfile.TemporaryDirectory() as tmp, neo4j_server() as (uri, user, password):
        checkout = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(checkout), args.before],
                       check=True, capture_output=True)
        try:
            # The older API first: it applies the migrations it knows; this one adds the rest.
            with api_server(uri, user, password, spec, root=checkout) as before_base, \
                    api_server(uri, user, password, spec) as now_base:
                bases = {"now": now_base, "before": before_base}
                for r in range(args.rounds):
                    for side in (("now", "before") if r % 2 == 0 else ("before", "now")):
                        api = Api(bases[side], tokens[side][r])
                        api.setup(ORDER, people, args.batch)
                        results[side].append(api.ingest(rows, args.batch))
                        results[f"{side}_changed"].append(api.ingest(changed, args.batch))
                deliveries = webhooks(Api(now_base, tokens["now"][args.rounds]), args.writes, args.batch)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)],
                           capture_output=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"events cost at {args.scale:,} orders, {args.rounds} rounds (medians, records/s), against {args.before}:")
    print("| ingest | with events | before events | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for label, key in (("new rows", ""), ("10% changed", "_changed")):
        ratio = med[f"now{key}"] / med[f"before{key}"]
        print(f"| {label} | {med[f'now{key}']:,.0f} | {med[f'before{key}']:,.0f} | {ratio:.2f} | >= 0.90 |")
    latencies = sorted(deliveries["latencies_ms"])
    print(f"webhooks: commit to receipt p50 {latencies[len(latencies) // 2]:.0f} ms, "
          f"p99 {latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]:.0f} ms "
          f"({len(latencies)} single writes); one batch of {args.batch:,} delivered at "
          f"{deliveries['events_per_s']:,.0f} events/s")


class Receiver:
    """Webhooks on loopback: each delivery verified, each event's arrival time kept."""

    def __init__(self) -> None:
        self.secret, self.arrived = None, {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()
                for event in Webhook(receiver.secret).verify(body, dict(self.headers))["events"]:
                    receiver.arrived[event["object"]["external_id"]] = now
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", REMOTE_PORT), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, keys: list[str], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not all(k in self.arrived for k in keys):
            assert time.monotonic() < deadline, "the webhook deliveries did not all arrive"
            time.sleep(0.005)


def webhooks(api: Api, writes: int, batch: int) -> dict:
    receiver = Receiver()
    try:
        receiver.secret = api.ok("POST", "/v1/webhooks", 201, json={
            "url": f"http://127.0.0.1:{REMOTE_PORT}/hooks", "events": ["object.created"]})["secret"]
        latencies = []
        for n in range(writes):
            key = f"lat-{n}"
            api.ok("POST", "/v1/objects/Person", 201, json={"external_id": key})
            committed = time.monotonic()
            receiver.wait_for([key])
            latencies.append((receiver.arrived[key] - committed) * 1000)
        keys = [f"many-{n}" for n in range(batch)]
        api.ok("POST", "/v1/objects/Person/batch", json={"records": [{"external_id": k} for k in keys]})
        committed = time.monotonic()
        receiver.wait_for(keys)
        return {"latencies_ms": latencies, "events_per_s": batch / (max(receiver.arrived[k] for k in keys) - committed)}
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


if __name__ == "__main__":
    main()
