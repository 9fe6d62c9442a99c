"""The OpenAPI document is a reference a person and a client generator can use: every
operation has a summary and a description, every parameter a description, every body
and success answer an example that fits its model, and the error codes of its route."""

from pathlib import Path

import pytest
from jsonschema_rs import Draft202012Validator

from service.api import reference
from service.config import Settings
from service.main import create_app


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(neo4j_uri="bolt://localhost:1"))


def operations(app):
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_is_described(app):
    missing = []
    for name, operation in operations(app):
        if operation["operationId"] not in reference.OPERATIONS:
            missing.append(f"{name}: no entry {operation['operationId']!r} in service/api/reference.py")
        for parameter in operation.get("parameters", []):
            if not parameter.get("description"):
                missing.append(f"{name}: parameter {parameter['name']!r} has no description")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and "example" not in body:
            missing.append(f"{name}: request body has no example")
        for status, answer in operation["responses"].items():
            if status.startswith("2") and answer.get("content") and not any(
                    "example" in c for c in answer["content"].values()):
                missing.append(f"{name}: answer {status} has no example")
            if status.startswith(("4", "5")) and not answer.get("content", {}).get("application/json", {}).get("examples"):
                missing.append(f"{name}: answer {status} lists no error codes")
        if name.startswith(("GET /v1", "POST /v1")) and "401" not in operation["responses"]:
            missing.append(f"{name}: does not say it answers 401")
    assert not missing, "\n".join(missing)
    assert set(reference.OPERATIONS) == {op["operationId"] for _, op in operations(app)}, "stale entries"


def test_every_example_fits_its_schema(app):
    """Examples are checked against the schemas of the models the routes use, so they
    cannot drift from them."""
    document = app.openapi()
    misfits, checked = [], 0
    for name, operation in operations(app):
        found = [("request", operation.get("requestBody", {}).get("content", {}).get("application/json", {}))]
        found += [(status, content) for status, answer in operation["responses"].items() if status.startswith("2")
                  for content in answer.get("content", {}).values()]
        for where, content in found:
            if "example" not in content or "schema" not in content:
                continue
            validator = Draft202012Validator({**content["schema"], "components": document["components"]})
            checked += 1
            misfits += [f"{name} {where}: {error.instance_path}: {error.message}"
                        for error in validator.iter_errors(content["example"])]
    assert not misfits, "\n".join(misfits)
    assert checked > 60


def test_docs_routes_md_is_written_from_the_document(app):
    page = Path(__file__).resolve().parents[2] / "docs" / "routes.md"
    assert page.read_text() == reference.markdown(app.openapi()), \
        "docs/routes.md is stale: .venv/bin/refgraph docs routes > docs/routes.md"
