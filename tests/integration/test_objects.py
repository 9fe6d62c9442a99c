"""Instances: upsert by external_id, validation, references by external id, delete rules."""

import base64

from tests.integration.helpers import ORDER, PASSPORT, create_types, edges, external_ids, person


async def test_upsert_by_external_id_with_a_reference_by_external_id(api, graph):
    await create_types(api, ORDER)
    await person(api, "cust-42", email="ada@example.com")
    record = {"external_id": "ord-1001", "external_created_at": "2026-11-01T10:00:00Z",
              "attributes": {"order_number": "ORDER-1001", "total": 99.5},
              "references": {"customer": {"external_id": "cust-42"}}}
    first = await api.client.post("/v1/objects/Order", json=record)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["type"] == "Order" and body["external_id"] == "ord-1001"
    assert body["external_created_at"] == "2026-11-01T10:00:00Z"
    assert body["external_updated_at"] is None
    assert body["attributes"] == {"order_number": "ORDER-1001", "total": 99.5}
    assert body["references"]["customer"]["external_id"] == "cust-42"
    assert body["references"]["customer"]["type"] == "Person"

    record["attributes"]["total"] = 120
    second = await api.client.post("/v1/objects/Order", json=record)
    assert second.status_code == 200, second.text
    assert second.json()["id"] == body["id"]
    assert second.json()["attributes"]["total"] == 120.0
    assert external_ids(graph, api.workspace, "Order") == ["ord-1001"]
    assert edges(graph, api.workspace, "CUSTOMER") == {("ord-1001", "cust-42")}

    got = await api.client.get(f"/v1/objects/Order/{body['id']}")
    assert got.status_code == 200 and got.json()["attributes"]["total"] == 120.0
    listed = await api.client.get("/v1/objects/Order", params={"external_id": "ord-1001"})
    assert [o["id"] for o in listed.json()["data"]] == [body["id"]]


async def test_values_are_checked_against_their_type_and_nothing_is_written(api, graph):
    await create_types(api, ORDER)
    bad = await api.client.post("/v1/objects/Order", json={
        "external_id": "o1", "attributes": {"order_number": "N1", "quantity": "abc"}})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert "quantity" in error["message"] and error["details"]["errors"][0]["field"] == "quantity"
    missing = await api.client.post("/v1/objects/Order", json={"external_id": "o2", "attributes": {}})
    assert missing.status_code == 422 and "order_number" in missing.json()["error"]["message"]
    unknown = await api.client.post("/v1/objects/Order", json={
        "external_id": "o3", "attributes": {"order_number": "N3"},
        "references": {"customer": {"external_id": "nobody"}}})
    assert unknown.status_code == 422 and "nobody" in unknown.json()["error"]["message"]
    assert external_ids(graph, api.workspace, "Order") == []
    assert (await api.client.post("/v1/objects/Nope", json={"external_id": "x"})).status_code == 404


async def test_one_to_one_conflict_names_the_holder_and_reassign_moves_it(api, graph):
    await create_types(api, PASSPORT)
    await person(api, "cust-42")
    await person(api, "cust-43")
    p1 = await api.client.post("/v1/objects/Passport", json={
        "external_id": "P-1", "references": {"holder": {"external_id": "cust-42"}}})
    assert p1.status_code == 201, p1.text
    p2 = await api.client.post("/v1/objects/Passport", json={
        "external_id": "P-2", "references": {"holder": {"external_id": "cust-42"}}})
    assert p2.status_code == 409, p2.text
    error = p2.json()["error"]
    assert error["code"] == "cardinality_conflict"
    assert error["details"]["attribute"] == "holder"
    assert error["details"]["holder"]["external_id"] == "P-1"
    assert error["message"].startswith("Person cust-42 already has a passport (Passport P-1)")
    assert external_ids(graph, api.workspace, "Passport") == ["P-1"]  # nothing written

    p2 = await api.client.post("/v1/objects/Passport", json={
        "external_id": "P-2", "references": {"holder": {"external_id": "cust-42"}},
        "on_conflict": "reassign"})
    assert p2.status_code == 201, p2.text
    assert edges(graph, api.workspace, "HOLDER") == {("P-2", "cust-42")}

    # Setting a `one` reference replaces that side's previous value.
    moved = await api.client.post("/v1/objects/Passport", json={
        "external_id": "P-2", "references": {"holder": {"external_id": "cust-43"}}})
    assert moved.status_code == 200
    assert edges(graph, api.workspace, "HOLDER") == {("P-2", "cust-43")}


async def test_batch_is_all_or_nothing_and_lists_every_failing_record(api, graph):
    await create_types(api, ORDER)
    await person(api, "cust-1")
    records = [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"},
                "references": {"customer": {"external_id": "cust-1"}}} for i in range(10)]
    records[3]["attributes"]["total"] = "lots"
    records[7]["references"]["customer"] = {"external_id": "ghost"}
    response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
    assert response.status_code == 422, response.text
    errors = response.json()["error"]["details"]["errors"]
    assert [e["index"] for e in errors] == [3]  # value problems are found before lookups
    records[3]["attributes"]["total"] = 10
    response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
    assert response.status_code == 422
    assert [(e["index"], "ghost" in e["message"]) for e in
            response.json()["error"]["details"]["errors"]] == [(7, True)]
    assert external_ids(graph, api.workspace, "Order") == []

    records[7]["references"]["customer"] = {"external_id": "cust-1"}
    ok = await api.client.post("/v1/objects/Order/batch", json={"records": records})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["created"], ok.json()["updated"], len(ok.json()["ids"])) == (10, 0, 10)
    again = await api.client.post("/v1/objects/Order/batch", json={"records": records})
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 10)
    assert again.json()["ids"] == ok.json()["ids"]
    assert sorted(external_ids(graph, api.workspace, "Order")) == sorted(f"o{i}" for i in range(10))
    assert edges(graph, api.workspace, "CUSTOMER") == {(f"o{i}", "cust-1") for i in range(10)}


async def test_reference_routes_read_replace_add_and_remove(api, graph):
    await create_types(api, ORDER)
    ada = await person(api, "ada")
    for n in range(3):
        response = await api.client.post("/v1/objects/Order", json={
            "external_id": f"o{n}", "attributes": {"order_number": f"N{n}"}})
        assert response.status_code == 201
    base = f"/v1/objects/Person/{ada['id']}/references/orders"
    put = await api.client.put(base, json={"targets": [{"external_id": "o0"}, {"external_id": "o1"}]})
    assert put.status_code == 200, put.text
    assert {t["external_id"] for t in put.json()["data"]} == {"o0", "o1"}
    post = await api.client.post(base, json={"targets": [{"external_id": "o2"}]})
    assert {t["external_id"] for t in post.json()["data"]} == {"o0", "o1", "o2"}
    o1 = next(t["id"] for t in post.json()["data"] if t["external_id"] == "o1")
    assert (await api.client.delete(f"{base}/{o1}")).status_code == 204
    assert edges(graph, api.workspace, "CUSTOMER") == {("o0", "ada"), ("o2", "ada")}
    page = await api.client.get(base, params={"limit": 1})
    assert len(page.json()["data"]) == 1 and page.json()["next_cursor"]
    expanded = await api.client.get(f"/v1/objects/Person/{ada['id']}", params={"expand": "orders"})
    assert {t["external_id"] for t in expanded.json()["references"]["orders"]} == {"o0", "o2"}
    # without expand=, the person still says how many orders it has and where they are
    shown = (await api.client.get(f"/v1/objects/Person/{ada['id']}")).json()
    assert "orders" not in shown["references"]
    assert shown["many_references"]["orders"] == {"count": 2, "url": base}
    listed = (await api.client.get(shown["many_references"]["orders"]["url"])).json()["data"]
    assert {t["external_id"] for t in listed} == {"o0", "o2"}
    missing = await api.client.get(f"/v1/objects/Person/{ada['id']}/references/nope")
    assert missing.status_code == 404


async def test_a_crafted_references_cursor_is_a_clear_422(api):
    """Issue 32: the references list read any digits as an offset (30 digits: a 500 from the
    driver; '²', a digit to str.isdigit but not to int: a 500) and any other text as the start."""
    await create_types(api, ORDER)
    ada = await person(api, "ada")
    base = f"/v1/objects/Person/{ada['id']}/references/orders"
    for key in ("9" * 30, "²", "-1", "abc", " 1"):
        cursor = base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
        answer = await api.client.get(base, params={"cursor": cursor})
        assert answer.status_code == 422, (key, answer.text[:300])
        error = answer.json()["error"]
        assert error["code"] == "invalid_cursor" and error["message"].startswith("cursor"), error


async def test_delete_applies_on_delete(api, graph):
    restricted = {"name": "Invoice", "attributes": [
        {"name": "payer", "data_type": "reference",
         "reference": {"target": "Person", "cardinality": "one", "on_delete": "restrict"}}]}
    await create_types(api, ORDER, PASSPORT, restricted)
    ada = await person(api, "ada")
    bob = await person(api, "bob")
    await api.client.post("/v1/objects/Order", json={
        "external_id": "o1", "attributes": {"order_number": "N1"},
        "references": {"customer": {"id": ada["id"]}}})
    await api.client.post("/v1/objects/Passport", json={
        "external_id": "P-1", "references": {"holder": {"id": ada["id"]}}})
    await api.client.post("/v1/objects/Invoice", json={
        "external_id": "I-1", "references": {"payer": {"id": bob["id"]}}})

    refused = await api.client.delete(f"/v1/objects/Person/{bob['id']}")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "restricted"
    assert "I-1" in refused.json()["error"]["message"]

    deleted = await api.client.delete(f"/v1/objects/Person/{ada['id']}")
    assert deleted.status_code == 200, deleted.text
    assert sorted(external_ids(graph, api.workspace, "Person")) == ["bob"]
    assert external_ids(graph, api.workspace, "Passport") == []  # cascade
    assert external_ids(graph, api.workspace, "Order") == ["o1"]  # clear
    assert edges(graph, api.workspace, "CUSTOMER") == set()
    assert (await api.client.get(f"/v1/objects/Person/{ada['id']}")).status_code == 404


async def test_integrity_reports_a_violation_made_by_hand_in_browser(api, graph):
    await create_types(api, PASSPORT)
    await person(api, "ada")
    for n in (1, 2):
        await api.client.post("/v1/objects/Passport", json={"external_id": f"P-{n}"})
    clean = await api.client.get("/v1/integrity")
    assert clean.status_code == 200 and clean.json()["ok"] is True
    assert "Passport.holder" in clean.json()["checked"]
    # What someone could type in Neo4j Browser, bypassing refgraph (and its keys):
    graph.execute_query(
        "MATCH (p:Person {workspace: $ws, external_id: 'ada'}), (pp:Passport {workspace: $ws}) "
        "CREATE (pp)-[:HOLDER]->(p)", ws=api.workspace)
    report = (await api.client.get("/v1/integrity")).json()
    assert report["ok"] is False
    assert {(v["attribute"], v["object"]["external_id"], v["count"]) for v in report["violations"]} \
        == {("Person.passport", "ada", 2)}


async def test_upserts_replace_keep_or_clear_a_reference(api, graph):
    """Order.customer takes the single-statement ingest path; its rules are the same."""
    await create_types(api, ORDER)
    await person(api, "p1")
    await person(api, "p2")

    async def upsert(**extra):
        return await api.client.post("/v1/objects/Order/batch", json={"records": [
            {"external_id": "o1", "attributes": {"order_number": "N1"}, **extra}]})

    assert (await upsert(references={"customer": {"external_id": "p1"}})).status_code == 200
    assert (await upsert(references={"customer": {"external_id": "p2"}})).status_code == 200
    assert edges(graph, api.workspace, "CUSTOMER") == {("o1", "p2")}
    assert (await upsert()).status_code == 200  # no references given: left alone
    assert edges(graph, api.workspace, "CUSTOMER") == {("o1", "p2")}
    assert (await upsert(references={"customer": None})).status_code == 200
    assert edges(graph, api.workspace, "CUSTOMER") == set()

    missing = await api.client.post("/v1/objects/Order/batch", json={"records": [
        {"external_id": "o2", "attributes": {"order_number": "N2"},
         "references": {"customer": {"external_id": "p1"}}},
        {"external_id": "o3", "references": {"customer": {"external_id": "p1"}}}]})
    assert missing.status_code == 422
    assert [(e["index"], e["code"]) for e in missing.json()["error"]["details"]["errors"]] == [(1, "required")]
    assert sorted(external_ids(graph, api.workspace, "Order")) == ["o1"]
    assert edges(graph, api.workspace, "CUSTOMER") == set()


async def test_restrict_ignores_holders_the_cascade_removes_anyway(api, graph):
    """A Ticket references a Person twice: `requester` cascades, `approver` restricts. Deleting
    the person removes the ticket through the cascade, so its restrict does not stand in
    the way; a ticket only approved by her does. The answer must not depend on which
    rule is looked at first."""
    await create_types(api, {"name": "Ticket", "attributes": [
        {"name": "approver", "data_type": "reference",
         "reference": {"target": "Person", "cardinality": "one", "on_delete": "restrict"}},
        {"name": "requester", "data_type": "reference",
         "reference": {"target": "Person", "cardinality": "one", "on_delete": "cascade"}}]})
    ada, bob = await person(api, "ada"), await person(api, "bob")
    for external_id, requester, approver in (("T-1", ada, ada), ("T-2", bob, ada)):
        response = await api.client.post("/v1/objects/Ticket", json={
            "external_id": external_id, "references": {"requester": {"id": requester["id"]},
                                                       "approver": {"id": approver["id"]}}})
        assert response.status_code == 201, response.text

    refused = await api.client.delete(f"/v1/objects/Person/{ada['id']}")
    assert refused.status_code == 409 and "T-2" in refused.json()["error"]["message"]
    assert sorted(external_ids(graph, api.workspace, "Ticket")) == ["T-1", "T-2"]

    assert (await api.client.delete(f"/v1/objects/Ticket/{refused.json()['error']['details']['holders'][0]['id']}")).status_code == 200
    deleted = await api.client.delete(f"/v1/objects/Person/{ada['id']}")
    assert deleted.status_code == 200, deleted.text
    assert external_ids(graph, api.workspace, "Ticket") == []
    assert sorted(external_ids(graph, api.workspace, "Person")) == ["bob"]


async def test_an_object_referencing_itself_is_read_from_both_ends(api, graph):
    """A self-loop is both an outgoing and an incoming association (the state machine
    found the inverse end blind to it)."""
    await create_types(api, {"name": "Team", "attributes": [
        {"name": "parent", "data_type": "reference",
         "reference": {"target": "Team", "cardinality": "one",
                       "inverse": {"name": "children", "cardinality": "many"}}}]})
    created = await api.client.post("/v1/objects/Team", json={
        "external_id": "root", "references": {"parent": {"external_id": "root"}}})
    assert created.status_code == 201, created.text
    root = created.json()
    child = await api.client.post("/v1/objects/Team", json={
        "external_id": "child", "references": {"parent": {"id": root["id"]}}})
    assert child.status_code == 201, child.text
    assert edges(graph, api.workspace, "PARENT") == {("root", "root"), ("child", "root")}
    children = await api.client.get(f"/v1/objects/Team/{root['id']}/references/children")
    assert {t["external_id"] for t in children.json()["data"]} == {"root", "child"}
    shown = (await api.client.get(f"/v1/objects/Team/{root['id']}")).json()
    assert shown["many_references"] == {"children": {"count": 2, "url": f"/v1/objects/Team/{root['id']}/references/children"}}
    listed = await api.client.get("/v1/objects/Team", params={"references.children": root["id"]})
    assert {o["external_id"] for o in listed.json()["data"]} == {"root"}


async def test_two_types_may_share_a_reference_name_towards_one_target(api, graph):
    """Car.owner and Boat.owner are both OWNER relationships to Person, each one-to-one:
    a person may own one car and one boat (the database's key for a `one` target side
    is per source type), but not two cars."""
    for name, inverse in (("Car", "car"), ("Boat", "boat")):
        await create_types(api, {"name": name, "attributes": [
            {"name": "owner", "data_type": "reference",
             "reference": {"target": "Person", "cardinality": "one",
                           "inverse": {"name": inverse, "cardinality": "one"}}}]})
    await person(api, "ada")
    for path, external_id in (("/v1/objects/Car", "car-1"), ("/v1/objects/Boat", "boat-1")):
        response = await api.client.post(path, json={
            "external_id": external_id, "references": {"owner": {"external_id": "ada"}}})
        assert response.status_code == 201, response.text
    assert edges(graph, api.workspace, "OWNER") == {("car-1", "ada"), ("boat-1", "ada")}
    assert (await api.client.post("/v1/objects/Car", json={"external_id": "car-2"})).status_code == 201
    second = await api.client.post("/v1/objects/Car", json={
        "external_id": "car-2", "references": {"owner": {"external_id": "ada"}}})
    assert second.status_code == 409 and second.json()["error"]["code"] == "cardinality_conflict"
    # The database itself refuses a second car for her, whatever the Cypher does:
    refused = None
    try:
        graph.execute_query(
            "MATCH (c:Car {workspace: $ws, external_id: 'car-2'}), (p:Person {workspace: $ws}) "
            "CREATE (c)-[:OWNER {target_one: 'Car:' + p.id}]->(p)", ws=api.workspace)
    except Exception as exc:  # noqa: BLE001 - the constraint's error is what we want to see
        refused = exc
    assert refused is not None and "target_one" in str(refused)


async def test_a_large_batch_is_all_or_nothing_with_problems_in_their_order(api, graph):
    """The common ingest sends the lookup of its targets before it checks the values; a
    large batch still reports value problems first, then unknown targets, then missing
    required values, writes nothing on any, and answers ids in the order of its records."""
    await create_types(api, ORDER)
    people = ["p0", "p1", "p2"]
    for p in people:
        await person(api, p)
    n, middle = 2_500, 1_001
    records = [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"},
                "references": {"customer": {"external_id": people[i % 3]}}} for i in range(n)]

    async def batch(status):
        response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
        assert response.status_code == status, response.text[:500]
        return response.json()

    records[n - 100]["attributes"]["total"] = "lots"  # in the last chunk
    records[10]["references"]["customer"] = {"external_id": "ghost"}
    assert [(e["index"], e["code"]) for e in (await batch(422))["error"]["details"]["errors"]] == [
        (n - 100, "invalid_value")]
    records[n - 100]["attributes"]["total"] = 5
    records[n - 1]["references"]["customer"] = {"external_id": "ghost"}
    assert [(e["index"], e["code"]) for e in (await batch(422))["error"]["details"]["errors"]] == [
        (10, "unknown_reference"), (n - 1, "unknown_reference")]
    records[10]["references"]["customer"] = records[n - 1]["references"]["customer"] = {"external_id": "p0"}
    del records[middle]["attributes"]["order_number"]
    assert [(e["index"], e["code"]) for e in (await batch(422))["error"]["details"]["errors"]] == [
        (middle, "required")]
    assert external_ids(graph, api.workspace, "Order") == []
    assert edges(graph, api.workspace, "CUSTOMER") == set()

    records[middle]["attributes"]["order_number"] = "N"
    first = await batch(200)
    assert (first["created"], first["updated"]) == (n, 0)
    rows, _, _ = graph.execute_query("MATCH (o:Order {workspace: $ws}) RETURN o.id AS id, o.external_id AS e",
                                      ws=api.workspace)
    assert {r["id"]: r["e"] for r in rows} == {i: f"o{k}" for k, i in enumerate(first["ids"])}
    expected = {(r["external_id"], r["references"]["customer"]["external_id"]) for r in records}
    assert edges(graph, api.workspace, "CUSTOMER") == expected
    again = await batch(200)
    assert (again["created"], again["updated"], again["unchanged"], again["ids"]) == (0, 0, n, first["ids"])
    assert edges(graph, api.workspace, "CUSTOMER") == expected


async def test_a_batch_body_that_is_not_a_valid_batch_is_refused_with_where(api, graph):
    """The batch body is parsed by pydantic's JSON parser (not FastAPI's); its refusals keep
    the API's 422 shape, with `loc` from the body."""
    url = "/v1/objects/Person/batch"

    async def refused(**request):
        response = await api.client.post(url, **request)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "invalid_input"
        return [(e["loc"], e["type"]) for e in response.json()["error"]["details"]["errors"]]

    good = b'{"records": [{"external_id": "p1"}]}'
    assert await refused(content=good, headers={"Content-Type": "text/plain"}) == [(["body"], "model_attributes_type")]
    assert await refused(content=b"", headers={"Content-Type": "application/json"}) == [(["body"], "missing")]
    assert await refused(content=b'{"records": [', headers={"Content-Type": "application/json"}) == [
        (["body"], "json_invalid")]
    assert await refused(json={"records": [{"external_id": 5}], "extra": 1}) == [
        (["body", "records", 0, "external_id"], "string_type"), (["body", "extra"], "extra_forbidden")]
    assert external_ids(graph, api.workspace, "Person") == []
    ok = await api.client.post(url, content=good, headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200 and ok.json()["created"] == 1, ok.text


async def test_targets_without_an_external_id_are_found_by_id_and_never_mixed_up(api, graph):
    """A target created without an external id is found by its id (in a batch, by the
    reference routes), and does not shift which id the other targets' external ids find:
    each order is linked to exactly the customer it names."""
    await create_types(api, ORDER)
    anonymous = await api.client.post("/v1/objects/Person", json={"attributes": {}})
    assert anonymous.status_code == 201, anonymous.text
    anonymous_id = anonymous.json()["id"]
    named = [await person(api, f"p{i}") for i in range(5)]
    records = [{"external_id": "o-anon", "attributes": {"order_number": "A"},
                "references": {"customer": {"id": anonymous_id}}}]
    records += [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"},
                 "references": {"customer": {"external_id": f"p{i}"}}} for i in range(5)]
    response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
    assert response.status_code == 200, response.text
    rows, _, _ = graph.execute_query(
        "MATCH (o:Order {workspace: $ws})-[:CUSTOMER]->(p:Person) RETURN o.external_id AS o, p.id AS p",
        ws=api.workspace)
    assert {(r["o"], r["p"]) for r in rows} == {("o-anon", anonymous_id)} | {
        (f"o{i}", named[i]["id"]) for i in range(5)}
    order = response.json()["ids"][0]
    moved = await api.client.put(f"/v1/objects/Order/{order}/references/customer",
                                 json={"targets": [{"id": anonymous_id}]})
    assert moved.status_code == 200, moved.text
    assert (await api.client.get(f"/v1/objects/Person/{anonymous_id}")).status_code == 200


async def test_a_timestamp_out_of_range_is_a_clear_refusal_not_a_server_error(api, graph):
    await create_types(api, ORDER)
    for value in (1e20, -1e20, "99999-01-01T00:00:00Z"):
        bad = await api.client.post("/v1/objects/Order", json={
            "external_id": "o1", "external_created_at": value, "attributes": {"order_number": "N1"}})
        assert bad.status_code == 422, (value, bad.text)
        problem = bad.json()["error"]["details"]["errors"][0]
        assert problem["code"] == "invalid_value" and problem["field"] == "external_created_at", bad.text
    assert external_ids(graph, api.workspace, "Order") == []


async def test_a_target_given_two_ways_or_none_is_refused_by_record_and_field(api, graph):
    """Each target gives exactly one of id, external_id or match (with one attribute): a
    batch names the record and the reference, like any other record problem, and writes
    nothing; a single write and the reference routes refuse the same way."""
    await create_types(api, ORDER)
    ada = await person(api, "ada")
    good = {"external_id": "ada"}
    for bad in ({"id": ada["id"], "external_id": "ada"}, {}, {"match": {"email": "a", "name": "b"}},
                {"properties": {}}):
        records = [{"external_id": f"o{i}", "attributes": {"order_number": f"N{i}"},
                    "references": {"customer": good}} for i in range(3)]
        records[1]["references"]["customer"] = bad
        response = await api.client.post("/v1/objects/Order/batch", json={"records": records})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_records", error
        assert [(e["index"], e["code"], e["field"]) for e in error["details"]["errors"]] == [
            (1, "invalid_value", "customer")], error
        single = await api.client.post("/v1/objects/Order", json={
            "external_id": "o9", "attributes": {"order_number": "N9"}, "references": {"customer": [good, bad]}})
        assert single.status_code == 422 and single.json()["error"]["details"]["errors"][0]["field"] == "customer"
        routed = await api.client.put(f"/v1/objects/Person/{ada['id']}/references/orders", json={"targets": [bad]})
        assert routed.status_code == 422 and routed.json()["error"]["code"] == "invalid_records", routed.text
    assert external_ids(graph, api.workspace, "Order") == []
