"""Unique attributes: a database constraint per type and workspace, upsert by a unique
attribute (match_on), and references that find their target by one."""

import asyncio

from tests.conftest import api_for
from tests.integration.helpers import create_types

CUSTOMER = {
    "name": "Customer", "attributes": [
        {"name": "email", "data_type": "string", "unique": True},
        {"name": "number", "data_type": "integer", "unique": True},
        {"name": "name", "data_type": "string"},
    ],
}
TICKET = {
    "name": "Ticket", "attributes": [
        {"name": "subject", "data_type": "string"},
        {"name": "customer", "data_type": "reference", "reference": {"target": "Customer", "cardinality": "one"}},
    ],
}


async def customer(api, external_id, **attributes):
    return await api.client.post("/v1/objects/Customer", json={"external_id": external_id, "attributes": attributes})


def customers(graph, workspace):
    records, _, _ = graph.execute_query(
        "MATCH (n:Customer {workspace: $ws}) RETURN n.external_id AS e, n.email AS email, n.name AS name",
        ws=workspace)
    return {(r["e"], r["email"], r["name"]) for r in records}


async def test_a_second_holder_is_refused_naming_the_first(api, graph):
    await create_types(api, CUSTOMER)
    first = await customer(api, "c1", email="ada@example.com", number=1)
    assert first.status_code == 201, first.text
    assert (await api.client.get("/v1/types/Customer/attributes/email")).json()["unique"] is True

    second = await customer(api, "c2", email="ada@example.com")
    assert second.status_code == 409, second.text
    error = second.json()["error"]
    assert error["code"] == "unique_violation"
    assert error["details"]["holder"] == {"id": first.json()["id"], "external_id": "c1"}
    assert error["details"]["attribute"] == "email" and "match_on=email" in error["message"]

    again = await customer(api, "c1", email="ada@example.com", name="Ada")  # its own value: fine
    assert again.status_code == 200, again.text
    patched = await api.client.patch(f"/v1/objects/Customer/{first.json()['id']}", json={"attributes": {"number": 1}})
    assert patched.status_code == 200, patched.text
    other = await customer(api, "c3", email="grace@example.com", number=3)
    by_patch = await api.client.patch(f"/v1/objects/Customer/{other.json()['id']}", json={"attributes": {"number": 1}})
    assert by_patch.status_code == 409 and by_patch.json()["error"]["details"]["holder"]["external_id"] == "c1"

    twice = await api.client.post("/v1/objects/Customer/batch", json={"records": [
        {"external_id": "c4", "attributes": {"email": "x@example.com"}},
        {"external_id": "c5", "attributes": {"email": "x@example.com"}}]})
    assert twice.status_code == 422
    assert twice.json()["error"]["details"]["errors"][0] | {"message": ""} == {
        "index": 1, "code": "unique_violation", "field": "email", "message": ""}
    assert customers(graph, api.workspace) == {("c1", "ada@example.com", "Ada"), ("c3", "grace@example.com", None)}


async def test_unique_is_per_workspace(api, neo4j_target, graph):
    await create_types(api, CUSTOMER)
    assert (await customer(api, "c1", email="ada@example.com")).status_code == 201
    # Other workspaces have their own Customer.email: unique too, or not unique at all.
    async with api_for(neo4j_target) as unique_b, api_for(neo4j_target) as plain_c:
        await create_types(unique_b, CUSTOMER)
        await create_types(plain_c, {"name": "Customer", "attributes": [{"name": "email", "data_type": "string"}]})
        assert (await customer(unique_b, "b1", email="ada@example.com")).status_code == 201
        assert (await customer(unique_b, "b2", email="ada@example.com")).status_code == 409
        for n in range(2):
            assert (await customer(plain_c, f"c{n}", email="ada@example.com")).status_code == 201


async def test_64_concurrent_writers_of_one_value_one_wins(api, graph):
    await create_types(api, CUSTOMER)
    responses = await asyncio.gather(*(customer(api, f"c{n}", email="race@example.com") for n in range(64)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 63, statuses
    winner = next(r.json() for r in responses if r.status_code == 201)
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "unique_violation"
            assert response.json()["error"]["details"]["holder"]["id"] == winner["id"]
    assert customers(graph, api.workspace) == {(winner["external_id"], "race@example.com", None)}


async def test_making_an_attribute_unique_over_duplicates_lists_them(api, graph):
    await create_types(api, {"name": "Customer", "attributes": [{"name": "email", "data_type": "string"},
                                                                {"name": "tags", "data_type": "string_list"}]})
    for n, email in enumerate(["a@x", "a@x", "b@x", "c@x", "c@x", "c@x"]):
        await customer(api, f"c{n}", email=email)
    refused = await api.client.patch("/v1/types/Customer/attributes/email", json={"unique": True})
    assert refused.status_code == 409, refused.text
    duplicates = refused.json()["error"]["details"]["duplicates"]
    assert {(d["value"], d["count"], frozenset(h["external_id"] for h in d["holders"])) for d in duplicates} == {
        ("a@x", 2, frozenset({"c0", "c1"})), ("c@x", 3, frozenset({"c3", "c4", "c5"}))}
    assert (await customer(api, "c9", email="b@x")).status_code == 201  # still not unique

    for n, email in ((1, "a2@x"), (4, "c4@x"), (5, "c5@x"), (9, "b9@x")):
        await customer(api, f"c{n}", email=email)
    made = await api.client.patch("/v1/types/Customer/attributes/email", json={"unique": True})
    assert made.status_code == 200 and made.json()["unique"] is True
    assert (await customer(api, "c10", email="a@x")).status_code == 409

    unmade = await api.client.patch("/v1/types/Customer/attributes/email", json={"unique": False})
    assert unmade.status_code == 200 and unmade.json()["unique"] is False
    assert (await customer(api, "c10", email="a@x")).status_code == 201
    records, _, _ = graph.execute_query("MATCH (n:Customer {workspace: $ws}) WHERE n._u_email IS NOT NULL "
                                        "RETURN count(n) AS c", ws=api.workspace)
    assert records[0]["c"] == 0

    for data_type in ("string_list", "boolean"):
        bad = await api.client.patch("/v1/types/Customer/attributes/tags", json={"unique": True})
        assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "unique", data_type


async def test_upsert_by_a_unique_attribute(api, graph):
    await create_types(api, CUSTOMER)
    made = await api.client.post("/v1/objects/Customer", params={"match_on": "email"},
                                 json={"attributes": {"email": "ada@example.com", "name": "Ada"}})
    assert made.status_code == 201, made.text
    same = await api.client.post("/v1/objects/Customer", params={"match_on": "email"},
                                 json={"external_id": "crm-1", "attributes": {"email": "ada@example.com",
                                                                              "name": "Ada L."}})
    assert same.status_code == 200, same.text
    assert same.json()["id"] == made.json()["id"] and same.json()["external_id"] == "crm-1"

    batch = await api.client.post("/v1/objects/Customer/batch", params={"match_on": "email"}, json={"records": [
        {"attributes": {"email": "ada@example.com", "number": 7}},
        {"attributes": {"email": "grace@example.com", "name": "Grace"}},
        {"attributes": {"email": "grace@example.com", "number": 8}}]})
    assert batch.status_code == 200, batch.text
    # one object named twice is written once, its records merged (the later values win),
    # and counted on its last record (issue 32): Grace created, Ada updated, one record folded
    assert batch.json() | {"ids": None} == {"created": 1, "updated": 1, "unchanged": 1, "ids": None}
    assert batch.json()["ids"][1] == batch.json()["ids"][2]
    assert customers(graph, api.workspace) == {("crm-1", "ada@example.com", "Ada L."),
                                               (None, "grace@example.com", "Grace")}

    not_unique = await api.client.post("/v1/objects/Customer", params={"match_on": "name"},
                                       json={"attributes": {"name": "Ada"}})
    assert not_unique.status_code == 422 and not_unique.json()["error"]["code"] == "invalid_match"
    assert "email, number" in not_unique.text
    missing = await api.client.post("/v1/objects/Customer", params={"match_on": "email"},
                                    json={"attributes": {"name": "Nobody"}})
    assert missing.status_code == 422 and missing.json()["error"]["details"]["errors"][0]["field"] == "email"


async def test_concurrent_upserts_by_one_value_meet_on_one_object(api, graph):
    await create_types(api, CUSTOMER)
    responses = await asyncio.gather(*(
        api.client.post("/v1/objects/Customer", params={"match_on": "email"},
                        json={"attributes": {"email": "ada@example.com", "number": n}}) for n in range(16)))
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.status_code == 201 for r in responses) == 1


async def test_a_reference_finds_its_target_by_a_unique_attribute(api, graph):
    await create_types(api, CUSTOMER, TICKET)
    ada = (await customer(api, "c1", email="ada@example.com", number=42)).json()
    ticket = await api.client.post("/v1/objects/Ticket", json={
        "external_id": "t1", "references": {"customer": {"match": {"email": "ada@example.com"}}}})
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["references"]["customer"]["id"] == ada["id"]
    by_number = await api.client.post("/v1/objects/Ticket", json={
        "external_id": "t2", "references": {"customer": {"match": {"number": 42}}}})
    assert by_number.json()["references"]["customer"]["id"] == ada["id"]

    unknown = await api.client.post("/v1/objects/Ticket", json={
        "external_id": "t3", "references": {"customer": {"match": {"email": "nobody@example.com"}}}})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"]["errors"][0]["code"] == "unknown_reference"
    assert "email 'nobody@example.com'" in unknown.text
    not_unique = await api.client.post("/v1/objects/Ticket", json={
        "external_id": "t3", "references": {"customer": {"match": {"name": "Ada"}}}})
    assert not_unique.status_code == 422 and not_unique.json()["error"]["code"] == "invalid_match"
    two_keys = await api.client.post("/v1/objects/Ticket", json={
        "external_id": "t3", "references": {"customer": {"match": {"email": "ada@example.com", "number": 42}}}})
    assert two_keys.status_code == 422


async def test_odd_writes_are_clear_refusals(api, graph):
    await create_types(api, CUSTOMER, TICKET)
    # A crafted external id that looks like refgraph's own key in the database's message.
    crafted = "x`_u_zzz`"
    assert (await customer(api, crafted, email="a@x")).status_code == 201
    clash = await api.client.post("/v1/objects/Customer", params={"match_on": "email"},
                                  json={"external_id": crafted, "attributes": {"email": "b@x"}})
    assert clash.status_code == 409, clash.text
    # Records matched to one object may repeat its other unique values.
    same = await api.client.post("/v1/objects/Customer/batch", params={"match_on": "email"}, json={"records": [
        {"attributes": {"email": "c@x", "number": 5}}, {"attributes": {"email": "c@x", "number": 5}}]})
    assert same.status_code == 200, same.text
    # The one-pass ingest (one reference attribute, external ids) checks repeated values too.
    await create_types(api, {"name": "Seat", "attributes": [
        {"name": "code", "data_type": "string", "unique": True},
        {"name": "holder", "data_type": "reference", "reference": {"target": "Customer"}}]})
    repeated = await api.client.post("/v1/objects/Seat/batch", json={"records": [
        {"external_id": "s1", "attributes": {"code": "A1"}, "references": {"holder": {"external_id": crafted}}},
        {"external_id": "s2", "attributes": {"code": "A1"}, "references": {"holder": {"external_id": crafted}}}]})
    assert repeated.status_code == 422 and repeated.json()["error"]["details"]["errors"][0]["index"] == 1
    assert (await api.client.post("/v1/objects/Ticket", json={"references": {"customer": {"match": {"number": True}}}})
            ).status_code == 422


async def test_mapping_two_options_of_a_unique_enum_to_one_is_refused(api, graph):
    await create_types(api, {"name": "Slot", "attributes": [
        {"name": "slot", "data_type": "enum", "unique": True, "options": [{"value": v} for v in "abc"]}]})
    for n, value in enumerate("ab"):
        assert (await api.client.post("/v1/objects/Slot", json={"external_id": f"s{n}",
                                                                "attributes": {"slot": value}})).status_code == 201
    change = {"options": [{"value": "b"}, {"value": "c"}], "option_map": {"a": "b"}}
    plan = (await api.client.patch("/v1/types/Slot/attributes/slot", params={"dry_run": "true"}, json=change)).json()
    refused = await api.client.patch("/v1/types/Slot/attributes/slot", params={"confirm": plan["plan"]}, json=change)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "duplicate_values"
    records, _, _ = graph.execute_query("MATCH (n:Slot {workspace: $ws}) RETURN n.slot AS s", ws=api.workspace)
    assert sorted(r["s"] for r in records) == ["a", "b"]
