"""Request ids, access logs without tokens, Prometheus metrics, liveness."""

import json
import logging

from tests.conftest import REMOTE_PORT
from tests.integration.helpers import ORDER, create_types


async def test_requests_carry_an_id_and_are_logged_without_their_token(api, caplog):
    caplog.set_level(logging.INFO, logger="refgraph.access")
    given = await api.client.get("/v1/objects/Person", headers={"X-Request-Id": "support-ticket-42"})
    assert given.headers["x-request-id"] == "support-ticket-42"
    fresh = await api.client.get("/v1/workspace")
    assert len(fresh.headers["x-request-id"]) == 32
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "refgraph.access"]
    line = next(x for x in lines if x["request_id"] == "support-ticket-42")
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "GET", "/v1/objects/Person", "/v1/objects/{type}", 200)
    assert all(api.token not in r.getMessage() for r in caplog.records)


async def test_metrics_show_latency_by_route_and_connector_runs_by_status(api):
    await create_types(api, ORDER)
    await api.client.get("/v1/objects/Order")
    person = await api.client.post("/v1/objects/Person", json={"external_id": "p"})
    connector = await api.client.post("/v1/connectors", json={
        "name": "down", "object_type": "Order", "request": {"url": f"http://127.0.0.1:{REMOTE_PORT}/orders"},
        "response": {"records": "data", "external_id": "id", "attributes": {"order_number": "n"}}})
    run = await api.client.post(f"/v1/connectors/{connector.json()['id']}/runs",
                                json={"person_id": person.json()["id"]})
    assert run.json()["error"]["class"] == "request_error"
    text = (await api.client.get("/metrics")).text
    assert 'refgraph_request_duration_seconds_count{method="GET",route="/v1/objects/{type}",status="200"}' in text
    assert 'refgraph_connector_runs_total{error_class="request_error",status="failed"}' in text
    assert "refgraph_neo4j_transaction_retries_total" in text
    assert (await api.client.get("/livez")).json() == {"status": "alive"}
