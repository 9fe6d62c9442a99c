"""Search and reference-property benchmarks, each against its baseline in the same run.

Search: ``GET /v1/objects/Listing?where=status=open&where=amount>=X&sort=-amount`` over
``--scale`` listings (a million by default), on an indexed attribute (``amount``) and on
an unindexed one holding the same values (``price``), at concurrency 1, against the raw
driver running the query text the API renders (``SearchCypher``), the way the API runs it
(one auto-commit read, results fetched whole). The sides take turns 100 requests at a
time. Target: API p50 within 2 ms of raw.

Reference properties: the batch ingest of deals each with two contacts, with association
properties (``role``, ``since``) against the same ingest of a reference without them.

    .venv/bin/python -m bench.search                       # 1,000,000 listings, 100,000 deals
    .venv/bin/python -m bench.search --scale 100000 --deals 20000 --requests 200
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import time
import urllib.parse
import uuid

from neo4j import READ_ACCESS, GraphDatabase, Query

from bench.common import Api, api_server, neo4j_server
from bench.traversal import percentile, timed
from service.config import CYPHER
from service.domain.schema import DataType
from service.domain.search import Condition, Group, Search, SortKey
from service.store.queries import Queries, SearchCypher

LISTING = {"name": "Listing", "attributes": [
    {"name": "title", "data_type": "string"},
    {"name": "status", "data_type": "enum", "options": [{"value": v} for v in ("open", "won", "lost")]},
    {"name": "amount", "data_type": "float", "indexed": True},
    {"name": "price", "data_type": "float"},  # the same values, not indexed
]}
LIMIT = 50
THRESHOLD = 990.0  # amounts run 0-1000: about 1% of listings are over it


def listings(n: int) -> list[dict]:
    rng = random.Random(18)
    out = []
    for i in range(n):
        amount = round(rng.uniform(0, 1000), 2)
        out.append({"external_id": f"l{i}", "attributes": {
            "title": f"Listing {i}", "status": rng.choice(["open", "won", "lost"]), "amount": amount, "price": amount}})
    return out


def deal_type(name: str, with_properties: bool) -> dict:
    reference = {"target": "Person", "cardinality": "many"}
    if with_properties:
        reference |= {"properties": [
            {"name": "role", "data_type": "enum", "options": [{"value": "decision_maker"}, {"value": "user"}]},
            {"name": "since", "data_type": "date"}],
            "limits": [{"property": "role", "value": "decision_maker", "max_per_source": 1}]}
    return {"name": name, "attributes": [{"name": "title", "data_type": "string"},
                                         {"name": "contacts", "data_type": "reference", "reference": reference}]}


def deals(n: int, people: int, with_properties: bool) -> list[dict]:
    out = []
    for i in range(n):
        contacts = [{"external_id": f"p{i % people}"}, {"external_id": f"p{(i * 7 + 1) % people}"}]
        if with_properties:
            contacts[0]["properties"] = {"role": "decision_maker", "since": "2026-01-01"}
            contacts[1]["properties"] = {"role": "user"}
        out.append({"external_id": f"d{i}", "attributes": {"title": f"Deal {i}"}, "references": {"contacts": contacts}})
    return out


def search_cells(uri, auth, base: str, token: str, workspace: str, requests: int) -> list[dict]:
    queries = Queries.load(CYPHER)
    host = urllib.parse.urlsplit(base)
    headers = {"Authorization": f"Bearer {token}"}
    rows = []
    with GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF") as driver:
        for attribute in ("amount", "price"):
            search = Search(Group("and", (Condition("status", "=", "open", DataType.enum),
                                          Condition(attribute, ">=", THRESHOLD, DataType.float))),
                            (SortKey(attribute, attribute, True, DataType.float),
                             SortKey("id", "id", False, DataType.string)))
            rendered = SearchCypher.of(search)
            text = queries["objects/search"](Label="Listing", Search=rendered)
            path = "/v1/objects/Listing?" + urllib.parse.urlencode(
                [("where", "status=open"), ("where", f"{attribute}>={THRESHOLD}"), ("sort", f"-{attribute}"),
                 ("limit", LIMIT)])
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=600)

            def api_call(_: str) -> None:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                assert response.status == 200, body[:300]
                json.loads(body)

            # What the API does: one auto-commit read under the time limit, results fetched whole.
            def raw_call(_: str) -> None:
                with driver.session(database="neo4j", fetch_size=-1, default_access_mode=READ_ACCESS) as session:
                    session.run(Query(text, timeout=10.0), workspace=workspace, limit=LIMIT + 1,
                                **rendered.params).single()

            calls = {"raw": raw_call, "api": api_call}
            count = requests if attribute == "amount" else max(20, requests // 10)  # a scan is slow
            timed(["x"] * min(count, 50), 1, calls)  # warm up
            for side, (latencies, rate, _) in timed(["x"] * count, 1, calls).items():
                rows.append({"attribute": attribute, "indexed": attribute == "amount", "side": side,
                             "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 99),
                             "requests": count})
                r = rows[-1]
                print(f"search on {attribute} ({'indexed' if r['indexed'] else 'not indexed'}) {side}: "
                      f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms", flush=True)
            connection.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="listings searched")
    parser.add_argument("--deals", type=int, default=100_000, help="deals ingested a side and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the reference-property ingest")
    parser.add_argument("--requests", type=int, default=1000, help="searches a side on the indexed attribute")
    parser.add_argument("--batch", type=int, default=5_000)
    args = parser.parse_args()
    token = f"bench-{uuid.uuid4().hex}"
    workspace = f"bench_{token[-12:]}"
    with neo4j_server() as (uri, user, password), api_server(uri, user, password, f"{token}:{workspace}") as base:
        api = Api(base, token)
        api.ok("POST", "/v1/types", 201, json=LISTING)
        began = time.perf_counter()
        rows = listings(args.scale)
        for i in range(0, len(rows), args.batch):
            api.ok("POST", "/v1/objects/Listing/batch", json={"records": rows[i:i + args.batch]})
        print(f"loaded {args.scale:,} listings in {time.perf_counter() - began:.0f}s", flush=True)
        cells = search_cells(uri, (user, password), base, token, workspace, args.requests)
        rates = ingest_cells(api, args)
    print(f"\nsearch over {args.scale:,} listings, concurrency 1 (p50 / p99 ms):")
    print("| filter and sort on | API | raw | API - raw (p50) | target |")
    print("| --- | --- | --- | --- | --- |")
    for attribute in ("amount", "price"):
        api_row, raw_row = (next(r for r in cells if r["attribute"] == attribute and r["side"] == side)
                            for side in ("api", "raw"))
        label = "amount (indexed)" if attribute == "amount" else "price (not indexed: a scan)"
        print(f"| {label} | {api_row['p50_ms']:.2f} / {api_row['p99_ms']:.2f} | {raw_row['p50_ms']:.2f} / "
              f"{raw_row['p99_ms']:.2f} | +{api_row['p50_ms'] - raw_row['p50_ms']:.2f} | <= +2 ms |")
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"\ningest of {args.deals:,} deals with two contacts each, {args.rounds} rounds (medians, deals/s):")
    print("| reference | deals/s | ratio |")
    print("| --- | --- | --- |")
    print(f"| without properties | {med['plain']:,.0f} | 1.00 |")
    print(f"| with role and since (and a limit) | {med['properties']:,.0f} | {med['properties'] / med['plain']:.2f} |")


def ingest_cells(api: Api, args) -> dict[str, list[float]]:
    """Each round a fresh pair of deal types; each round another side first."""
    people = max(2, args.deals // 10)
    persons = [{"external_id": f"p{i}"} for i in range(people)]
    for i in range(0, people, args.batch):
        api.ok("POST", "/v1/objects/Person/batch", json={"records": persons[i:i + args.batch]})
    rates: dict[str, list[float]] = {"plain": [], "properties": []}
    for r in range(args.rounds):
        for side in (("plain", "properties") if r % 2 == 0 else ("properties", "plain")):
            name = f"Deal{side.capitalize()}{r}"
            api.ok("POST", "/v1/types", 201, json=deal_type(name, side == "properties"))
            bodies = [json.dumps({"records": chunk}).encode() for chunk in (
                lambda rows: [rows[i:i + args.batch] for i in range(0, len(rows), args.batch)])(
                deals(args.deals, people, side == "properties"))]
            began = time.perf_counter()
            for body in bodies:
                api.ok("POST", f"/v1/objects/{name}/batch", content=body, headers={"Content-Type": "application/json"})
            rates[side].append(args.deals / (time.perf_counter() - began))
            print(f"ingest round {r + 1} {side}: {rates[side][-1]:,.0f} deals/s", flush=True)
    return rates


if __name__ == "__main__":
    main()
