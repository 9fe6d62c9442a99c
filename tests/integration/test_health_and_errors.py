"""The first slice of the API: /healthz, bearer auth on /v1, one error shape."""

import httpx
from fastapi import APIRouter
from pydantic import BaseModel

from service.main import create_app
from tests.conftest import free_port, settings_for


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


async def test_healthz_reports_neo4j_community_and_current_migrations(api):
    response = await api.client.get("/healthz", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["neo4j"]["edition"] == "community"
    assert body["neo4j"]["version"].startswith("5.26.")
    assert body["migrations"]["current"] is True
    assert "0001_workspaces" in body["migrations"]["applied"]
    assert body["migrations"]["pending"] == []


async def test_unreachable_neo4j_is_503_and_the_app_still_starts(neo4j_target):
    settings = settings_for(
        neo4j_target, neo4j_uri=f"bolt://127.0.0.1:{free_port()}", startup_wait_s=0.5,
        tokens="t:ws",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            error = assert_error_shape(await client.get("/healthz"), 503, "database_unavailable")
            assert "not reachable" in error["message"]
            response = await client.get("/v1/workspace", headers={"Authorization": "Bearer t"})
            assert_error_shape(response, 503, "database_unavailable")


async def test_v1_needs_a_valid_bearer_token(api):
    response = await api.client.get("/v1/workspace", headers={"Authorization": ""})
    assert_error_shape(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    response = await api.client.get("/v1/workspace", headers={"Authorization": "Bearer wrong"})
    assert_error_shape(response, 401, "unauthorized")
    response = await api.client.get("/v1/workspace", headers={"Authorization": "Basic eDp5"})
    assert_error_shape(response, 401, "unauthorized")
    response = await api.client.get("/v1/workspace")
    assert response.status_code == 200
    assert response.json() == {"id": api.workspace}


async def test_unknown_route_is_404_in_the_error_shape(api):
    error = assert_error_shape(await api.client.get("/v1/nothing/here"), 404, "not_found")
    assert "/v1/nothing/here" in error["message"]


class Payload(BaseModel):
    count: int


async def test_422_and_500_use_the_error_shape(api):
    router = APIRouter()

    @router.post("/v1/_test/echo")
    async def echo(payload: Payload):
        return payload

    @router.get("/v1/_test/boom")
    async def boom():
        raise RuntimeError("secret internals")

    api.app.include_router(router)
    error = assert_error_shape(
        await api.client.post("/v1/_test/echo", json={"count": "abc"}), 422, "invalid_input"
    )
    assert error["details"]["errors"][0]["loc"] == ["body", "count"]
    error = assert_error_shape(await api.client.get("/v1/_test/boom"), 500, "internal_error")
    assert "secret internals" not in error["message"]


async def test_a_validation_error_inside_a_handler_is_a_422_naming_the_field(api):
    """Issue 32: a pydantic ValidationError raised by a handler (not by FastAPI's parsing of
    the request) escaped as a 500; whatever route raises one, it is the caller's input."""
    router = APIRouter()

    @router.post("/v1/_test/merge")
    async def merge(payload: dict):
        return Payload.model_validate({"count": 1, **payload})

    api.app.include_router(router)
    error = assert_error_shape(await api.client.post("/v1/_test/merge", json={"count": "lots"}), 422,
                               "invalid_input")
    assert error["message"].startswith("invalid request: count: "), error["message"]
    assert [e["loc"] for e in error["details"]["errors"]] == [["count"]]
    assert (await api.client.post("/v1/_test/merge", json={"count": 2})).json() == {"count": 2}


async def test_openapi_documents_bearer_auth_and_error_responses(api):
    doc = (await api.client.get("/openapi.json")).json()
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    responses = doc["paths"]["/v1/workspace"]["get"]["responses"]
    assert {"200", "401", "422", "500", "503"} <= set(responses)
    assert "ErrorResponse" in doc["components"]["schemas"]
    assert (await api.client.get("/docs")).status_code == 200


async def test_the_browser_style_is_served_without_a_token_for_browser_to_fetch(api):
    browser = "http://localhost:7474"  # the local Neo4j's Browser, by default
    response = await api.client.get("/browser.grass", headers={"Authorization": "", "Origin": browser})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == browser
    assert "node.Person" in response.text and "caption: '{name}'" in response.text
