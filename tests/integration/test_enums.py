"""enum and enum_list attributes: options checked on every write path, labels editable,
removing options that objects hold only through a dry run and its plan."""

from tests.integration.helpers import create_types

SHIPMENT = {
    "name": "Shipment", "attributes": [
        {"name": "status", "data_type": "enum", "required": True, "options": [
            {"value": "pending", "label": "Pending"}, {"value": "shipped"}, {"value": "lost"}]},
        {"name": "flags", "data_type": "enum_list", "options": [
            {"value": "fragile"}, {"value": "express"}, {"value": "gift"}]},
    ],
}
STATUS = "/v1/types/Shipment/attributes/status"
FLAGS = "/v1/types/Shipment/attributes/flags"


async def shipment(api, external_id, status, flags=None):
    attributes = {"status": status} | ({"flags": flags} if flags is not None else {})
    return await api.client.post("/v1/objects/Shipment", json={"external_id": external_id,
                                                               "attributes": attributes})


def stored(graph, workspace):
    records, _, _ = graph.execute_query(
        "MATCH (n:Shipment {workspace: $ws}) RETURN n.external_id AS e, n.status AS s, n.flags AS f", ws=workspace)
    return {(r["e"], r["s"], tuple(r["f"]) if r["f"] is not None else None) for r in records}


async def test_values_must_be_options_and_the_refusal_names_them(api, graph):
    await create_types(api, SHIPMENT)
    defined = (await api.client.get(STATUS)).json()
    assert defined["options"] == [{"value": "pending", "label": "Pending"}, {"value": "shipped", "label": "Shipped"},
                                  {"value": "lost", "label": "Lost"}]

    ok = await shipment(api, "s1", "shipped", ["express", "fragile", "express"])
    assert ok.status_code == 201, ok.text
    assert ok.json()["attributes"] == {"status": "shipped", "flags": ["express", "fragile"]}

    wrong = await shipment(api, "s2", "Shipped")
    assert wrong.status_code == 422
    problem = wrong.json()["error"]["details"]["errors"][0]
    assert problem["field"] == "status" and "'pending', 'shipped', 'lost'" in problem["message"]
    wrong_flag = await shipment(api, "s2", "pending", ["fragile", "heavy"])
    assert wrong_flag.status_code == 422 and "'heavy' is not an option" in wrong_flag.text
    assert stored(graph, api.workspace) == {("s1", "shipped", ("express", "fragile"))}

    batch = await api.client.post("/v1/objects/Shipment/batch", json={"records": [
        {"external_id": "s3", "attributes": {"status": "lost"}},
        {"external_id": "s4", "attributes": {"status": "gone"}}]})
    assert batch.status_code == 422 and batch.json()["error"]["details"]["errors"][0]["index"] == 1
    assert len(stored(graph, api.workspace)) == 1  # all or nothing


async def test_an_enum_needs_options_and_only_an_enum_takes_them(api):
    for attribute in ({"name": "a", "data_type": "enum"},
                      {"name": "a", "data_type": "string", "options": [{"value": "x"}]},
                      {"name": "a", "data_type": "enum", "options": []},
                      {"name": "a", "data_type": "enum", "options": [{"value": "x"}, {"value": "x"}]}):
        response = await api.client.post("/v1/types", json={"name": "Thing", "attributes": [attribute]})
        assert response.status_code == 422, (attribute, response.text)


async def test_traversal_filters_on_enums(api):
    await create_types(api, SHIPMENT, {"name": "Depot", "attributes": [
        {"name": "shipments", "data_type": "reference", "reference": {"target": "Shipment"}}]})
    for n, (status, flags) in enumerate([("shipped", ["gift"]), ("pending", ["gift", "express"]), ("lost", [])]):
        assert (await shipment(api, f"s{n}", status, flags)).status_code == 201
    depot = await api.client.post("/v1/objects/Depot", json={"external_id": "d", "references": {
        "shipments": [{"external_id": f"s{n}"} for n in range(3)]}})
    depot_id = depot.json()["id"]

    async def ends(*where):
        response = await api.client.get(f"/v1/objects/Depot/{depot_id}/traverse",
                                        params={"path": "shipments", "where": list(where)})
        assert response.status_code == 200, response.text
        return {o["external_id"] for o in response.json()["data"]}

    assert await ends("status=pending") == {"s1"}
    assert await ends("status!=pending") == {"s0", "s2"}
    assert await ends("flags=gift") == {"s0", "s1"}
    refused = await api.client.get(f"/v1/objects/Depot/{depot_id}/traverse",
                                   params={"path": "shipments", "where": "status=gone"})
    assert refused.status_code == 422 and "not an option" in refused.text


async def test_labels_change_freely_and_new_options_need_no_plan(api, graph):
    await create_types(api, SHIPMENT)
    await shipment(api, "s1", "pending")
    relabelled = await api.client.patch(STATUS, json={"options": [
        {"value": "pending", "label": "Waiting"}, {"value": "shipped"}, {"value": "lost"}, {"value": "returned"}]})
    assert relabelled.status_code == 200, relabelled.text
    assert relabelled.json()["options"][0] == {"value": "pending", "label": "Waiting"}
    assert relabelled.json()["options"][-1]["value"] == "returned"
    assert (await shipment(api, "s2", "returned")).status_code == 201
    events = (await api.client.get("/v1/events", params={"types": "attribute.updated"})).json()["data"]
    assert events[-1]["changes"]["options"][1][0] == {"value": "pending", "label": "Waiting"}


async def test_removing_options_that_objects_hold_takes_the_dry_runs_plan(api, graph):
    await create_types(api, SHIPMENT)
    for n, (status, flags) in enumerate([("pending", ["gift", "express"]), ("lost", ["gift"]),
                                         ("shipped", ["fragile"])]):
        assert (await shipment(api, f"s{n}", status, flags)).status_code == 201
    change = {"options": [{"value": "fragile"}, {"value": "express"}], "option_map": {"gift": "express"}}

    dry = await api.client.patch(FLAGS, params={"dry_run": "true"}, json=change)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["would_change"] == 2 and report["plan"]
    assert {(o["external_id"], tuple(o["becomes"])) for o in report["objects"]} == {
        ("s0", ("express",)), ("s1", ("express",))}
    before = stored(graph, api.workspace)

    refused = await api.client.patch(FLAGS, json=change)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "confirmation_required"
    assert stored(graph, api.workspace) == before

    await shipment(api, "s3", "lost", ["gift"])  # the data moved: the old plan is outdated
    outdated = await api.client.patch(FLAGS, params={"confirm": report["plan"]}, json=change)
    assert outdated.status_code == 409 and outdated.json()["error"]["code"] == "plan_outdated"
    plan = outdated.json()["error"]["details"]["plan"]

    applied = await api.client.patch(FLAGS, params={"confirm": plan}, json=change)
    assert applied.status_code == 200, applied.text
    assert stored(graph, api.workspace) == {("s0", "pending", ("express",)), ("s1", "lost", ("express",)),
                                            ("s2", "shipped", ("fragile",)), ("s3", "lost", ("express",))}
    assert (await shipment(api, "s4", "lost", ["gift"])).status_code == 422
    updated = (await api.client.get("/v1/events", params={"types": "object.updated"})).json()["data"]
    assert {(e["object"]["external_id"], e["cause"]["kind"]) for e in updated} == {
        ("s0", "options_change"), ("s1", "options_change"), ("s3", "options_change")}


async def test_a_required_enum_is_mapped_not_cleared(api, graph):
    await create_types(api, SHIPMENT)
    await shipment(api, "s1", "lost")
    await shipment(api, "s2", "pending")
    drop_lost = {"options": [{"value": "pending"}, {"value": "shipped"}]}
    plan = (await api.client.patch(STATUS, params={"dry_run": "true"}, json=drop_lost)).json()["plan"]
    cleared = await api.client.patch(STATUS, params={"confirm": plan}, json=drop_lost)
    assert cleared.status_code == 409 and cleared.json()["error"]["code"] == "required_value_cleared"

    renamed = {"options": [{"value": "pending"}, {"value": "shipped"}, {"value": "missing"}],
               "option_map": {"lost": "missing"}}
    plan = (await api.client.patch(STATUS, params={"dry_run": "true"}, json=renamed)).json()["plan"]
    applied = await api.client.patch(STATUS, params={"confirm": plan}, json=renamed)
    assert applied.status_code == 200, applied.text
    assert stored(graph, api.workspace) == {("s1", "missing", None), ("s2", "pending", None)}

    for bad in ({"options": [{"value": "pending"}], "option_map": {"pending": "x"}},
                {"options": [{"value": "pending"}], "option_map": {"missing": "gone"}}):
        response = await api.client.patch(STATUS, json=bad)
        assert response.status_code == 422 and response.json()["error"]["details"]["field"] == "option_map"
