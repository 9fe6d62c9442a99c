"""``store.records.rows`` gives what the driver's ``Result.data()`` gives, for every kind
of value a query can return, bytes included (which it passes as they are)."""

from __future__ import annotations

import os

from neo4j import AsyncGraphDatabase

from service.store import records

EVERY_KIND = """
CREATE p = (a:_RecordsProbe {name: 'a', when: date('2026-12-07')})-[r:_PROBES {w: 1}]->
           (b:_RecordsProbe {name: 'b', at: point({x: 1.0, y: 2.0})})
RETURN a, r, p, $packed AS packed, [a, {nested: [b, $packed]}] AS mixed, null AS nothing,
       {n: 1, f: 1.5, s: 's', l: [true, false]} AS map
"""


async def test_rows_equal_the_drivers_data(neo4j_target):
    packed = os.urandom(200_000)
    async with AsyncGraphDatabase.driver(neo4j_target.uri, auth=(neo4j_target.user, neo4j_target.password)) as driver:
        async with driver.session(database=neo4j_target.database) as session:
            try:
                ours = await records.rows(await session.run(EVERY_KIND, packed=packed))
                theirs = await (await session.run(EVERY_KIND, packed=packed)).data()
            finally:
                await session.run("MATCH (n:_RecordsProbe) DETACH DELETE n")
    assert ours == theirs
    assert bytes(ours[0]["packed"]) == packed and bytes(ours[0]["mixed"][1]["nested"][1]) == packed
    assert ours[0]["a"] == {"name": "a", "when": theirs[0]["a"]["when"]}


async def test_a_batch_leaves_its_rows_to_reference_counting_not_the_collector(neo4j_target):
    """A write's statement parameters are let go of when it is done (store/database.py):
    before, each record of a batch left a dict and two lists in the driver's reference
    cycles (15,612 objects for 5,000 records), freed only by the collector's pauses."""
    import gc

    from tests.conftest import api_for

    async with api_for(neo4j_target) as api:
        people = [{"external_id": f"p{n}"} for n in range(50)]
        assert (await api.client.post("/v1/objects/Person/batch", json={"records": people})).status_code == 200
        records = [{"external_id": f"p{n}", "attributes": {"name": f"P {n}"}} for n in range(5000)]
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            answer = await api.client.post("/v1/objects/Person/batch", json={"records": records})
            gc.collect()
            left = len(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert answer.status_code == 200, answer.text
    assert left < 2_000, f"{left} objects in reference cycles after one batch of 5,000 records"
