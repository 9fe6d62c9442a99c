"""The error catalogue is the one source of docs/errors.md and the OpenAPI error answers."""

from pathlib import Path

from service.api import catalogue
from service.config import Settings
from service.main import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_docs_errors_md_is_written_from_the_catalogue():
    assert DOCS.read_text() == catalogue.markdown(), \
        "docs/errors.md is stale: .venv/bin/refgraph docs errors > docs/errors.md"


def test_each_operation_lists_the_codes_its_route_can_answer():
    schema = create_app(Settings(neo4j_uri="bolt://localhost:1")).openapi()
    create = schema["paths"]["/v1/objects/{type}"]["post"]["responses"]
    assert {"invalid_records", "invalid_input", "unknown_parameter"} <= set(
        create["422"]["content"]["application/json"]["examples"])
    assert "cardinality_conflict" in create["409"]["content"]["application/json"]["examples"]
    assert "unauthorized" in create["401"]["description"]
    types = schema["paths"]["/v1/types"]["get"]["responses"]
    assert "409" not in types and "invalid_records" not in types["422"]["description"]


def test_an_error_not_listed_for_its_route_is_reported():
    before = set(catalogue.UNDECLARED)
    catalogue.observe("POST /v1/objects/{type}/batch", 422, "invalid_records")
    catalogue.observe("POST unmatched", 401, "unauthorized")  # answered by the auth middleware
    assert catalogue.UNDECLARED == before
    catalogue.observe("GET /v1/types", 422, "invalid_records")
    catalogue.observe("POST unmatched", 422, "no_such_code")
    assert catalogue.UNDECLARED - before == {("GET /v1/types", 422, "invalid_records"),
                                             ("POST unmatched", 422, "no_such_code")}
    catalogue.UNDECLARED.clear()
    catalogue.UNDECLARED.update(before)
