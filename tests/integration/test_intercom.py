"""An Intercom API client pointed at /intercom creates, finds, gets and deletes instances."""

import httpx

from tests.integration.helpers import create_types, external_ids

ORDER = {"name": "Order", "attributes": [
    {"name": "order_number", "data_type": "string"}, {"name": "total_amount", "data_type": "float"}]}


async def test_intercom_client_round_trip(api, graph):
    await create_types(api, ORDER)
    # As an Intercom client would send it: its base URL is http://host:port/intercom.
    intercom = httpx.AsyncClient(transport=api.client._transport,
                                 base_url="http://refgraph.test/intercom",
                                 headers={"Authorization": f"Bearer {api.token}",
                                          "Intercom-Version": "2.15"})
    async with intercom:
        body = {"external_id": "123", "external_created_at": 1392036272,
                "external_updated_at": 1392036272,
                "custom_attributes": {"order_number": "ORDER-12345", "total_amount": 99.99}}
        created = await intercom.post("/custom_object_instances/Order", json=body)
        assert created.status_code == 200, created.text
        instance = created.json()
        assert instance["type"] == "Order" and instance["external_id"] == "123"
        assert instance["external_created_at"] == 1392036272
        assert instance["custom_attributes"] == {"order_number": "ORDER-12345", "total_amount": 99.99}
        assert isinstance(instance["created_at"], int)

        body["custom_attributes"]["total_amount"] = 10
        updated = await intercom.post("/custom_object_instances/Order", json=body)
        assert updated.json()["id"] == instance["id"]
        assert external_ids(graph, api.workspace, "Order") == ["123"]

        found = await intercom.get("/custom_object_instances/Order", params={"external_id": "123"})
        assert found.json()["id"] == instance["id"]
        by_id = await intercom.get(f"/custom_object_instances/Order/{instance['id']}")
        by_external = await intercom.get("/custom_object_instances/Order/123")
        assert by_id.json() == by_external.json()

        deleted = await intercom.delete("/custom_object_instances/Order", params={"external_id": "123"})
        assert deleted.json() == {"id": instance["id"], "object": "Order", "deleted": True}
        assert (await intercom.get("/custom_object_instances/Order/123")).status_code == 404
        assert external_ids(graph, api.workspace, "Order") == []
        assert (await intercom.get("/custom_object_instances/Order/1",
                                   headers={"Authorization": "Bearer nope"})).status_code == 401
