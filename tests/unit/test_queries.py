import pytest

from service.config import CYPHER
from service.errors import InvalidInput
from service.main import STORE_QUERIES
from service.domain.traversal import Hop, Walk
from service.store.queries import Queries, QueryNotFound, path_pattern, paths_pattern, refs_map


def test_every_query_the_store_uses_exists():
    queries = Queries.load(CYPHER)
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


def test_a_walk_becomes_one_match_per_hop_with_checked_identifiers():
    hops = [Hop("orders", "CUSTOMER", False, "Order"), Hop("items", "ORDER", False, "Item")]
    distinct = path_pattern(Walk(hops, keep_paths=False))
    assert distinct.splitlines() == [
        "MATCH (n0)<-[:`CUSTOMER`]-(n1:`Order` {workspace: $workspace})",
        "WITH DISTINCT n0, n1",
        "MATCH (n1)<-[:`ORDER`]-(e:`Item` {workspace: $workspace})",
        "WITH DISTINCT n0, e",
    ]
    assert path_pattern(Walk(hops, keep_paths=True)) == distinct  # the page is found the same way
    assert paths_pattern(Walk(hops, keep_paths=False)) == "RETURN null AS paths"
    assert paths_pattern(Walk(hops, keep_paths=True)).splitlines() == [
        "MATCH (n0)<-[r1:`CUSTOMER`]-(n1:`Order` {workspace: $workspace})",
        "MATCH (n1)<-[r2:`ORDER`]-(e)",  # e is bound: the paths to one end object
        # each step after the start with the properties of the association that reached it
        "WITH [n0 {.id, .external_id}, n1 {.id, .external_id, properties: properties(r1)}, "
        "e {.id, .external_id, properties: properties(r2)}] AS path",
        "LIMIT $max_paths",
        "RETURN collect(path) AS paths",
    ]
    with pytest.raises(InvalidInput):
        path_pattern(Walk([Hop("x", "R]->() DETACH DELETE n//", True, "Order")], keep_paths=False))


def test_a_filtered_hop_names_its_relationship_and_takes_its_filters_as_a_parameter():
    walk = Walk([Hop("contacts", "CONTACTS", True, "Person", filtered=True)], keep_paths=False)
    assert path_pattern(walk).splitlines()[:2] == [
        "MATCH (n0)-[r1:`CONTACTS`]->(e:`Person` {workspace: $workspace})",
        "WHERE all(f IN $hop_filters[0] WHERE CASE f.op WHEN '=' THEN r1[f.key] = f.value "
        "WHEN '!=' THEN r1[f.key] <> f.value WHEN '<' THEN r1[f.key] < f.value "
        "WHEN '<=' THEN r1[f.key] <= f.value WHEN '>' THEN r1[f.key] > f.value "
        "WHEN '>=' THEN r1[f.key] >= f.value END)"]


def test_one_hop_references_of_e_become_a_map_of_pattern_comprehensions():
    refs = refs_map([Hop("customer", "CUSTOMER", True, "Person"), Hop("passport", "HOLDER", False, "Passport")])
    assert refs == ("{`customer`: [(e)-[r:`CUSTOMER`]->(t:`Person` {workspace: $workspace}) | "
                    "t {.id, .external_id, properties: properties(r)}], "
                    "`passport`: [(e)<-[r:`HOLDER`]-(t:`Passport` {workspace: $workspace}) | "
                    "t {.id, .external_id, properties: properties(r)}]}")
    assert refs_map([]) == "{}"
    with pytest.raises(InvalidInput):
        refs_map([Hop("x} RETURN 1 //", "R", True, "Order")])
