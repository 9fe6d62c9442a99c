"""Deleting in the console: a type, an attribute and an object each go through a page that
says what goes with them before anything is deleted (issue 33)."""

from __future__ import annotations

import httpx

from tests.integration.conftest import signed_in


def rest(live):
    return httpx.Client(base_url=f"{live.url}/v1", headers={"Authorization": f"Bearer {live.token}"}, timeout=30)


def boxes(graph, workspace):
    records, _, _ = graph.execute_query(
        "MATCH (b:Box {workspace: $ws}) OPTIONAL MATCH (b)-[:OWNER]->(p:Person) "
        "RETURN b.external_id AS b, b.size AS s, p.external_id AS p", ws=workspace)
    return {(r["b"], r["s"], r["p"]) for r in records}


async def test_each_delete_says_what_goes_with_it_then_deletes_only_when_confirmed(chromium, live, graph):
    with rest(live) as api:
        api.post("/types", json={"name": "Box", "label": "Box"}).raise_for_status()
        api.post("/types/Box/attributes", json={"name": "size", "data_type": "integer"}).raise_for_status()
        api.post("/types/Box/attributes", json={"name": "owner", "data_type": "reference", "reference": {
            "target": "Person", "cardinality": "one", "on_delete": "cascade",
            "inverse": {"name": "boxes", "cardinality": "many"}}}).raise_for_status()
        api.post("/types", json={"name": "Shelf"}).raise_for_status()
        api.post("/types/Box/attributes", json={"name": "shelf", "data_type": "reference", "reference": {
            "target": "Shelf", "cardinality": "one"}}).raise_for_status()  # no inverse: Shelf cannot see it
        api.post("/objects/Person/batch", json={"records": [{"external_id": "bo-ada"}]}).raise_for_status()
        shelf = api.post("/objects/Shelf", json={"external_id": "s1"}).json()["id"]
        ids = api.post("/objects/Box/batch", json={"records": [
            {"external_id": f"b{n}", "attributes": {"size": n}, "references": {"owner": {"external_id": "bo-ada"}}}
            for n in (1, 2)] + [{"external_id": "b2", "references": {"shelf": {"id": shelf}}}]}).json()["ids"]
        ada = api.get("/objects/Person", params={"external_id": "bo-ada"}).json()["data"][0]["id"]
    page = await signed_in(chromium, live, live.token)

    # A person whose boxes go with her (on delete: cascade) is told so, and kept on Cancel.
    await page.goto(f"{live.url}/console/types/Person/objects/{ada}")
    await page.get_by_role("link", name="Delete this Person…").click()
    said = await page.get_by_role("status").inner_text()
    assert "Its 2 associations go with it (Boxes: 2)" in said, said
    assert "2 Boxes are deleted with it: their reference to it says so (on delete: cascade)" in said, said
    await page.get_by_role("link", name="Cancel: keep it").click()
    assert page.url.endswith(f"/console/types/Person/objects/{ada}")
    assert boxes(graph, live.workspace) == {("b1", 1, "bo-ada"), ("b2", 2, "bo-ada")}

    # A reference the shelf cannot read back (no inverse) is counted too: it goes with the shelf.
    await page.goto(f"{live.url}/console/types/Shelf/objects/{shelf}/delete")
    said = await page.get_by_role("status").inner_text()
    assert "It holds no associations" in said and "1 association other objects hold to it goes too" in said, said

    # A post without the confirmation (another form, an old page) only shows the page again.
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    unconfirmed = await page.request.post(f"{live.url}/console/types/Box/objects/{ids[0]}/delete",
                                          form={"csrf": csrf})
    assert unconfirmed.status == 200 and "Delete Box b1?" in await unconfirmed.text()
    assert len(boxes(graph, live.workspace)) == 2

    await page.goto(f"{live.url}/console/types/Box/objects/{ids[0]}")
    await page.get_by_role("link", name="Delete this Box…").click()
    assert "Its 1 association goes with it (Owner: 1)" in await page.get_by_role("status").inner_text()
    await page.get_by_role("button", name="Delete Box b1").click()
    assert page.url.endswith("/console/types/Box/objects")
    assert "Object deleted." in await page.get_by_role("status").inner_text()
    assert boxes(graph, live.workspace) == {("b2", 2, "bo-ada")}

    await page.goto(f"{live.url}/console/types/Box/attributes/size")
    await page.get_by_role("link", name="Delete Size…").click()
    assert "1 Box holds a value for it" in await page.get_by_role("status").inner_text()
    await page.get_by_role("button", name="Delete Size").click()
    assert "Attribute 'size' deleted." in await page.get_by_role("status").inner_text()
    assert boxes(graph, live.workspace) == {("b2", None, "bo-ada")}

    await page.goto(f"{live.url}/console/types/Box/attributes/owner")
    await page.get_by_role("link", name="Delete Owner…").click()
    said = await page.get_by_role("status").inner_text()
    assert "It deletes 1 association between Boxes and People" in said and "Person's boxes" in said, said
    await page.goto(f"{live.url}/console/types/Person/attributes/boxes/delete")  # the other end: read only here
    said = await page.get_by_role("status").inner_text()
    assert "Its 1 association stays: Box's owner keeps it" in said, said

    # A type that still has objects cannot go: the page says why and offers no button.
    await page.goto(f"{live.url}/console/types/Box")
    await page.get_by_role("link", name="Delete the object type Box…").click()
    assert "it still has 1 Box; delete them first" in await page.get_by_role("alert").inner_text()
    assert await page.get_by_role("button", name="Delete Box").count() == 0
    with rest(live) as api:
        api.delete(f"/objects/Shelf/{shelf}").raise_for_status()
    await page.goto(f"{live.url}/console/types/Shelf/delete")  # empty, but a Box attribute points at it
    assert "Box's Shelf refers to it; delete that attribute first" in await page.get_by_role("alert").inner_text()
    await page.close()
