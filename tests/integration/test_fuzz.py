"""Schemathesis against the app's own OpenAPI document: every route, a fixed seed and a
budget of examples per route, through a real HTTP server. No answer may be a 5xx or
contradict the document. (Driven with Hypothesis directly: schemathesis' pytest plugin
does not run under this project's pytest.)"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import live_api_server
from tests.integration.helpers import ORDER

EXAMPLES = 25
# Not checked: that every schema-valid request is accepted. A valid cursor, type name or
# object id is more than its JSON type; refusing one with a documented 404/422 is right.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture(scope="module")
def fuzz_target(neo4j_target):
    """The real app on a loopback port, with a workspace that has an Order type."""
    import httpx

    with live_api_server(neo4j_target) as live:
        headers = {"Authorization": f"Bearer {live.token}"}
        assert httpx.post(f"{live.url}/v1/types", json=ORDER, headers=headers).status_code == 201
        yield live


def test_no_5xx_and_every_answer_matches_the_document(fuzz_target):
    schema = schemathesis.openapi.from_url(f"{fuzz_target.url}/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_target.token}"}
    failures, examples, operations = {}, 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal examples
            examples += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected per operation, reported together
            failures[operation.label] = str(exc)[:1500]
            print(f"{operation.label}:\n{str(exc)[:1500]}\n")
    print(f"fuzzed {operations} operations, {examples} examples")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
