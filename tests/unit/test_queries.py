import pytest

from service.config import PROJECT_ROOT
from service.errors import InvalidInput
from service.main import STORE_QUERIES
from service.store.queries import Queries, QueryNotFound


def test_every_query_the_store_uses_exists():
    queries = Queries.load(PROJECT_ROOT / "cypher")
    for name in STORE_QUERIES:
        assert queries[name].name == name


def test_a_missing_query_fails_loudly(tmp_path):
    with pytest.raises(QueryNotFound, match="nope/missing"):
        Queries.load(tmp_path)["nope/missing"]


def test_doc_comment_and_identifier_placeholders(tmp_path):
    (tmp_path / "objects").mkdir()
    (tmp_path / "objects" / "count.cypher").write_text(
        "// Count objects of a type.\n// $workspace: the tenant\nMATCH (n:{{Type}}) RETURN count(n)\n"
    )
    query = Queries.load(tmp_path)["objects/count"]
    assert query.doc == "Count objects of a type.\n$workspace: the tenant"
    assert query(Type="Order").endswith("MATCH (n:`Order`) RETURN count(n)\n")
    assert query.query(Type="Order").metadata == {"query": "objects/count"}
    with pytest.raises(InvalidInput):
        query(Type="Order`) DETACH DELETE (n")
    with pytest.raises(ValueError, match="needs identifiers"):
        query()
