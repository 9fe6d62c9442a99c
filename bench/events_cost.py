"""What recording change events costs a write: the batch ingest of this checkout's API
against the same ingest by the API of a commit from before events (``--before``), in the
same run, on the same Neo4j, with the same rows, each round another side first.

    .venv/bin/python -m bench.events_cost                      # 100,000 orders, 3 rounds
    .venv/bin/python -m bench.events_cost --scale 10000 --rounds 1

New rows (every one an ``object.created`` and a ``reference.added``) and a re-ingest
with every tenth total changed (an ``object.updated`` each). Target: at most 10% slower.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench.common import ORDER, ROOT, Api, api_server, neo4j_server, orders

BEFORE_EVENTS = "d219289"  # the last commit before change events (issue 16's end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--before", default=BEFORE_EVENTS, help="the commit to compare with")
    args = parser.parse_args()
    people = max(1, args.scale // 10)
    rows, changed = orders(args.scale, people), orders(args.scale, people, changed=True)
    tokens = {side: [f"bench-{side}-{uuid.uuid4().hex}" for _ in range(args.rounds)] for side in ("now", "before")}
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


if __name__ == "__main__":
    main()
