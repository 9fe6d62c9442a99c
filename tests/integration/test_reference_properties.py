"""References that carry typed properties, and labelled limits on them: a deal's contacts
with a role, at most one decision maker per deal, held under concurrency."""

import asyncio

from tests.integration.helpers import create_types

DEAL = {
    "name": "Deal", "attributes": [
        {"name": "title", "data_type": "string"},
        {"name": "contacts", "data_type": "reference", "reference": {
            "target": "Person", "cardinality": "many",
            "inverse": {"name": "deals", "cardinality": "many"},
            "properties": [
                {"name": "role", "data_type": "enum", "options": [
                    {"value": "decision_maker", "label": "Decision maker"}, {"value": "champion"},
                    {"value": "user"}]},
                {"name": "since", "data_type": "date"},
                {"name": "weight", "data_type": "float"}],
            "limits": [{"property": "role", "value": "decision_maker", "max_per_source": 1},
                       {"property": "role", "value": "champion", "max_per_source": 2, "max_per_target": 1}]}},
    ],
}


async def people(api, count):
    out = []
    for n in range(count):
        response = await api.client.post("/v1/objects/Person", json={"external_id": f"p{n}",
                                                                      "attributes": {"name": f"P{n}"}})
        out.append(response.json()["id"])
    return out


def associations(graph, workspace):
    records, _, _ = graph.execute_query(
        "MATCH (d:Deal {workspace: $ws})-[r:CONTACTS]->(p:Person) "
        "RETURN d.external_id AS d, p.external_id AS p, r.role AS role, toString(r.since) AS since",
        ws=workspace)
    return {(r["d"], r["p"], r["role"], r["since"]) for r in records}


async def deal(api, external_id, contacts):
    return await api.client.post("/v1/objects/Deal", json={"external_id": external_id,
                                                           "references": {"contacts": contacts}})


async def test_properties_are_written_read_back_and_checked(api, graph):
    await create_types(api, DEAL)
    ids = await people(api, 3)
    made = await deal(api, "d1", [{"id": ids[0], "properties": {"role": "decision_maker", "since": "2026-01-01"}},
                                  {"external_id": "p1", "properties": {"role": "user"}}])
    assert made.status_code == 201, made.text
    assert associations(graph, api.workspace) == {("d1", "p0", "decision_maker", "2026-01-01"),
                                                  ("d1", "p1", "user", None)}
    shown = (await api.client.get(f"/v1/objects/Deal/{made.json()['id']}", params={"expand": "contacts"})).json()
    assert {(c["external_id"], c["properties"].get("role"), c["properties"].get("since"))
            for c in shown["references"]["contacts"]} == {("p0", "decision_maker", "2026-01-01"), ("p1", "user", None)}
    page = (await api.client.get(f"/v1/objects/Deal/{made.json()['id']}/references/contacts")).json()
    assert {c["external_id"]: c["properties"] for c in page["data"]}["p0"] == {
        "role": "decision_maker", "since": "2026-01-01"}
    back = (await api.client.get(f"/v1/objects/Person/{ids[0]}/references/deals")).json()
    assert back["data"][0]["properties"]["role"] == "decision_maker"  # the inverse reads the same association
    person = (await api.client.get(f"/v1/objects/Person/{ids[0]}")).json()
    assert "properties" not in str(person["references"])  # a reference without properties shows none

    for contacts, field in (([{"id": ids[2], "properties": {"role": "boss"}}], "contacts.role"),
                            ([{"id": ids[2], "properties": {"since": "soon"}}], "contacts.since"),
                            ([{"id": ids[2], "properties": {"mood": "happy"}}], "contacts.mood")):
        refused = await deal(api, "d2", contacts)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"]["errors"][0]["field"] == field
    assert len(associations(graph, api.workspace)) == 2

    # Changing an association's properties in place is a reference.updated event.
    changed = await api.client.post(f"/v1/objects/Deal/{made.json()['id']}/references/contacts", json={
        "targets": [{"id": ids[1], "properties": {"role": "champion"}}]})
    assert changed.status_code == 200, changed.text
    assert ("d1", "p1", "champion", None) in associations(graph, api.workspace)
    events = (await api.client.get("/v1/events", params={"types": "reference.updated"})).json()["data"]
    assert [(e["object"]["external_id"], e["target"]["external_id"]) for e in events] == [("d1", "p1")]


async def test_a_limit_names_who_holds_the_value(api, graph):
    await create_types(api, DEAL)
    ids = await people(api, 4)
    assert (await deal(api, "d1", [{"id": ids[0], "properties": {"role": "decision_maker"}}])).status_code == 201
    second = await deal(api, "d1", [{"id": ids[0], "properties": {"role": "decision_maker"}},
                                    {"id": ids[1], "properties": {"role": "decision_maker"}}])
    assert second.status_code == 409, second.text
    error = second.json()["error"]
    assert error["code"] == "limit_conflict"
    assert {h["external_id"] for h in error["details"]["holders"]} == {"p0", "p1"}  # the record gives two
    added = await api.client.post(f"/v1/objects/Deal/{error['details']['node']['id']}/references/contacts",
                                  json={"targets": [{"id": ids[3], "properties": {"role": "decision_maker"}}]})
    assert added.status_code == 409 and [h["external_id"] for h in added.json()["error"]["details"]["holders"]] == ["p0"]
    # Replacing the decision maker in one write is fine: the old association goes first.
    moved = await deal(api, "d1", [{"id": ids[1], "properties": {"role": "decision_maker"}}])
    assert moved.status_code == 200, moved.text
    # max_per_target: one person may champion one deal.
    assert (await deal(api, "d2", [{"id": ids[2], "properties": {"role": "champion"}}])).status_code == 201
    other = await deal(api, "d3", [{"id": ids[2], "properties": {"role": "champion"}}])
    assert other.status_code == 409 and other.json()["error"]["details"]["holders"][0]["external_id"] == "d2"
    assert associations(graph, api.workspace) == {("d1", "p1", "decision_maker", None), ("d2", "p2", "champion", None)}


async def test_64_clients_racing_to_be_the_decision_maker_one_wins(api, graph):
    await create_types(api, DEAL)
    ids = await people(api, 64)
    made = await deal(api, "d1", [])
    deal_id = made.json()["id"]
    responses = await asyncio.gather(*(
        api.client.post(f"/v1/objects/Deal/{deal_id}/references/contacts", json={
            "targets": [{"id": person, "properties": {"role": "decision_maker"}}]}) for person in ids))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 63, statuses
    winner = ids[[r.status_code for r in responses].index(200)]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"]["details"]["holders"][0]["id"] == winner
    records, _, _ = graph.execute_query(
        "MATCH (:Deal {workspace: $ws})-[r:CONTACTS {role: 'decision_maker'}]->(p) RETURN p.id AS p", ws=api.workspace)
    assert [r["p"] for r in records] == [winner]


async def test_traversal_filters_on_association_properties(api):
    await create_types(api, DEAL, {"name": "Invoice", "attributes": [
        {"name": "payer", "data_type": "reference", "reference": {"target": "Person", "cardinality": "one",
                                                                  "inverse": {"name": "invoices"}}}]})
    ids = await people(api, 3)
    made = await deal(api, "d1", [{"id": ids[0], "properties": {"role": "decision_maker", "weight": 1.0}},
                                  {"id": ids[1], "properties": {"role": "user", "weight": 0.5}},
                                  {"id": ids[2]}])
    for n in range(3):
        await api.client.post("/v1/objects/Invoice", json={"external_id": f"i{n}",
                                                           "references": {"payer": {"id": ids[n]}}})

    async def ends(path, **params):
        response = await api.client.get(f"/v1/objects/Deal/{made.json()['id']}/traverse",
                                        params={"path": path, **params})
        assert response.status_code == 200, response.text
        return {o["external_id"] for o in response.json()["data"]}

    assert await ends("contacts[role=decision_maker].invoices") == {"i0"}
    assert await ends("contacts[role!=decision_maker]") == {"p1"}
    assert await ends("contacts[weight>=0.5,role=user]") == {"p1"}
    assert await ends("contacts") == {"p0", "p1", "p2"}
    assert await ends("contacts[role=decision_maker]", include="paths") == {"p0"}
    walked = await api.client.get(f"/v1/objects/Deal/{made.json()['id']}/traverse",
                                  params={"path": "contacts.invoices", "include": "paths", "where": "id!=x"})
    paths = {o["external_id"]: o["paths"][0] for o in walked.json()["data"]}
    assert paths["i0"][1]["properties"] == {"role": "decision_maker", "weight": 1.0}  # the association to p0
    assert "properties" not in paths["i0"][0] and "properties" not in paths["i0"][2]
    invoices = await api.client.get(f"/v1/objects/Person/{ids[1]}/traverse", params={"path": "deals"})
    assert invoices.json()["data"][0]["references"] == {}  # deals' `one` references: none; contacts is many
    for bad in ("contacts[mood=happy]", "contacts[role=boss]", "contacts[role<user]", "contacts[role=user"):
        response = await api.client.get(f"/v1/objects/Deal/{made.json()['id']}/traverse", params={"path": bad})
        assert response.status_code == 422, (bad, response.text)


async def test_tightening_a_limit_takes_the_dry_runs_plan_and_integrity_checks_limits(api, graph):
    spec = {**DEAL, "attributes": [DEAL["attributes"][0], {**DEAL["attributes"][1], "reference": {
        **DEAL["attributes"][1]["reference"], "limits": []}}]}
    await create_types(api, spec)
    ids = await people(api, 3)
    for n in range(3):  # three champions of d1, one of d2, written in order: p2 is d1's most recent
        added = await api.client.post("/v1/objects/Deal", json={"external_id": "d1", "references": {"contacts": [
            {"id": ids[k], "properties": {"role": "champion"}} for k in range(n + 1)]}})
        assert added.status_code in (200, 201), added.text
    await deal(api, "d2", [{"id": ids[0], "properties": {"role": "champion"}}])
    assert (await api.client.get("/v1/integrity")).json()["ok"] is True

    path = "/v1/types/Deal/attributes/contacts"
    change = {"reference": {"limits": [{"property": "role", "value": "champion", "max_per_source": 1}]}}
    dry = await api.client.patch(path, params={"dry_run": "true"}, json=change)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["would_change"] == 2 and report["plan"]
    assert {(a["source"]["external_id"], a["target"]["external_id"]) for a in report["associations"]} == {
        ("d1", "p0"), ("d1", "p1")}
    refused = await api.client.patch(path, json=change)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "confirmation_required"
    assert {a for a in associations(graph, api.workspace) if a[2] == "champion"} == {
        ("d1", "p0", "champion", None), ("d1", "p1", "champion", None), ("d1", "p2", "champion", None),
        ("d2", "p0", "champion", None)}

    applied = await api.client.patch(path, params={"confirm": report["plan"]}, json=change)
    assert applied.status_code == 200, applied.text
    assert applied.json()["reference"]["limits"][0]["max_per_source"] == 1
    assert associations(graph, api.workspace) == {("d1", "p0", None, None), ("d1", "p1", None, None),
                                                  ("d1", "p2", "champion", None), ("d2", "p0", "champion", None)}
    person = (await api.client.get("/v1/types/Person/attributes/deals")).json()
    assert person["reference"]["limits"] == applied.json()["reference"]["limits"]  # the inverse knows it too
    updated = (await api.client.get("/v1/events", params={"types": "reference.updated"})).json()["data"]
    assert {(e["target"]["external_id"], e["cause"]["kind"]) for e in updated} == {
        ("p0", "limit_change"), ("p1", "limit_change")}

    # A limit broken around refgraph (by hand, in Neo4j Browser) is what /v1/integrity reports.
    graph.execute_query("MATCH (:Deal {workspace: $ws, external_id: 'd1'})-[r:CONTACTS]->(p:Person) "
                        "SET r.role = 'champion'", ws=api.workspace)
    scan = (await api.client.get("/v1/integrity")).json()
    assert scan["ok"] is False
    assert [(v["code"], v["object"]["external_id"], v["count"]) for v in scan["violations"]] == [
        ("limit_violation", "d1", 3)]
    bad = await api.client.patch(path, json={"reference": {"limits": [
        {"property": "since", "value": "x", "max_per_source": 1}]}})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "reference.limits"


async def test_search_on_association_properties(api):
    await create_types(api, DEAL)
    ids = await people(api, 3)
    await deal(api, "d1", [{"id": ids[0], "properties": {"role": "decision_maker", "since": "2025-03-01"}}])
    await deal(api, "d2", [{"id": ids[1], "properties": {"role": "user", "since": "2026-03-01"}}])
    await deal(api, "d3", [{"id": ids[2]}])

    async def found(**params):
        response = await api.client.get("/v1/objects/Deal", params=params)
        assert response.status_code == 200, response.text
        return {o["external_id"] for o in response.json()["data"]}

    assert await found(where="contacts[role]=decision_maker") == {"d1"}
    assert await found(where="contacts[since]>=2026-01-01") == {"d2"}
    assert await found(where="contacts[role] in user|champion") == {"d2"}
    body = {"where": {"not": {"attribute": "contacts[role]", "op": "is_null", "value": False}}}
    response = await api.client.post("/v1/objects/Deal/search", json=body)
    assert {o["external_id"] for o in response.json()["data"]} == {"d3"}
    bad = await api.client.get("/v1/objects/Deal", params={"where": "contacts[mood]=x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_filter"


async def test_a_restored_prune_brings_the_properties_back(api, graph):
    await create_types(api, DEAL)
    ids = await people(api, 2)
    await deal(api, "d1", [{"id": ids[0], "properties": {"role": "champion", "since": "2025-05-05"}}])
    await deal(api, "d2", [{"id": ids[0], "properties": {"role": "user", "since": "2026-06-06"}}])
    path = "/v1/types/Deal/attributes/contacts"
    tighten = {"reference": {"inverse": {"cardinality": "one"}}}
    dry = (await api.client.patch(path, params={"dry_run": "true"}, json=tighten)).json()
    assert [a["properties"] for a in dry["associations"]] == [{"role": "champion", "since": "2025-05-05"}]
    applied = (await api.client.patch(path, params={"confirm": dry["plan"]}, json=tighten)).json()
    relaxed = await api.client.patch(path, json={"reference": {"inverse": {"cardinality": "many"}}})
    assert relaxed.status_code == 200, relaxed.text
    restored = await api.client.post(f"/v1/prunes/{applied['prune_id']}/restore")
    assert restored.status_code == 200 and restored.json()["restored"] == 1, restored.text
    assert associations(graph, api.workspace) == {("d1", "p0", "champion", "2025-05-05"),
                                                  ("d2", "p0", "user", "2026-06-06")}
    both = await api.client.patch(path, json={"reference": {"cardinality": "one", "limits": []}})
    assert both.status_code == 422 and both.json()["error"]["details"]["field"] == "reference.limits"
