"""A Neo4j error no route answers itself is still put in words: a transaction past a time
limit (an operator's db.transaction.timeout, say) is 503 unavailable with Retry-After,
not a 500 (as it was before)."""

from __future__ import annotations

import json

from neo4j.exceptions import Neo4jError

from service.api.errors import _neo4j_error


async def test_a_timed_out_read_is_503_unavailable_with_retry_after():
    exc = Neo4jError._hydrate_neo4j(code="Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
                                    message="The transaction has been terminated.")
    answer = await _neo4j_error(None, exc)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert json.loads(answer.body)["error"]["code"] == "unavailable"
