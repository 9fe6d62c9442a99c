"""A traversal's memory is bounded: Neo4j's per-transaction limit (db.memory.transaction.max,
set on the local server) stops a walk that needs more, and refgraph answers 422 naming
the limit; include=paths stays within it however many paths reach an object. On its own
small server (8 MB per transaction), so the limit is reached with little data."""

import pytest

from service.config import Settings
from service.local_neo4j import LocalNeo4j, ensure_classpath
from tests.conftest import Neo4jTarget, api_for, free_port
from tests.integration.helpers import ORDER, create_types

PASSWORD = "refgraph-memory-test"


@pytest.fixture(scope="module")
def small_neo4j(tmp_path_factory):
    server = LocalNeo4j(home=tmp_path_factory.mktemp("neo4j-small"), classpath=ensure_classpath(Settings().cache_dir),
                        bolt_port=free_port(), http_port=free_port(), password=PASSWORD, heap="512m",
                        pagecache="64m", transaction_memory="8m")
    with server:
        yield Neo4jTarget(server.bolt_uri, "neo4j", PASSWORD)


async def _orders(api, person_id, count, prefix, *, number_size=8, batch=500):
    for start in range(0, count, batch):
        records = [{"external_id": f"{prefix}{i}", "attributes": {"order_number": f"N{i}".ljust(number_size, "x")},
                    "references": {"customer": {"id": person_id}}} for i in range(start, min(count, start + batch))]
        response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
        assert response.status_code == 200, response.text


async def test_paths_stay_within_the_limit_and_a_walk_over_it_is_422(small_neo4j):
    async with api_for(small_neo4j) as api:
        await create_types(api, ORDER)
        few = (await api.client.post("/v1/objects/Person", json={"external_id": "few"})).json()["id"]
        await _orders(api, few, 400, "f")
        # Each of 400 orders is reached by 400 paths (orders.customer.orders): 160,000 in all.
        walked = await api.client.get(f"/v1/objects/Person/{few}/traverse",
                                      params={"path": "orders.customer.orders", "include": "paths", "limit": 100})
        assert walked.status_code == 200, walked.text
        page = walked.json()["data"]
        assert len(page) == 100 and {len(o["paths"]) for o in page} == {10}
        assert all(p[0]["id"] == few and p[-1]["id"] == o["id"] for o in page for p in o["paths"])

        # A page of 1,000 orders of 10 kB each is more than a transaction may hold.
        many = (await api.client.post("/v1/objects/Person", json={"external_id": "many"})).json()["id"]
        await _orders(api, many, 1_000, "m", number_size=10_000, batch=100)
        over = await api.client.get(f"/v1/objects/Person/{many}/traverse", params={"path": "orders", "limit": 1000})
        assert over.status_code == 422, over.text[:300]
        error = over.json()["error"]
        assert error["code"] == "traversal_memory" and error["details"]["limit"] == "db.memory.transaction.max"
        fits = await api.client.get(f"/v1/objects/Person/{many}/traverse", params={"path": "orders", "limit": 50})
        assert fits.status_code == 200 and len(fits.json()["data"]) == 50
