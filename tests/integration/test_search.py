"""Search: where= and sort= on a type's list, POST .../search with a filter tree; every
answer compared, as a set or in order, with the same filter computed in Python."""

import base64
import json
import random
import uuid

import pytest

from tests.integration.helpers import create_types

DEAL = {
    "name": "Deal", "attributes": [
        {"name": "title", "data_type": "string", "indexed": True},
        {"name": "stage", "data_type": "enum", "options": [{"value": v} for v in ("lead", "won", "lost")]},
        {"name": "amount", "data_type": "float"},
        {"name": "seats", "data_type": "integer", "unique": True},
        {"name": "closes_on", "data_type": "date", "indexed": True},
        {"name": "tags", "data_type": "string_list"},
        {"name": "owner", "data_type": "reference", "reference": {"target": "Person", "cardinality": "one"}},
    ],
}


@pytest.fixture
async def deals(api):
    await create_types(api, DEAL)
    rng = random.Random(18)
    people = []
    for n in range(4):
        response = await api.client.post("/v1/objects/Person", json={
            "external_id": f"p{n}", "attributes": {"email": f"p{n}@example.com"}})
        people.append(response.json()["id"])
    rows = []
    for n in range(60):
        row = {"external_id": f"d{n:02}",
               "title": rng.choice(["Acme renewal", "Acme upsell", "Globex", "Initech pilot", None]),
               "stage": rng.choice(["lead", "won", "lost", None]),
               "amount": rng.choice([None, 50.0, 100.0, 250.5, 1000.0]),
               "seats": n if n % 3 else None,
               "closes_on": rng.choice([None, "2026-01-01", "2026-06-30", "2027-02-14"]),
               "tags": rng.sample(["vip", "q1", "churn"], rng.randint(0, 2)),
               "owner": rng.choice([None, 0, 1, 2, 3])}
        rows.append(row)
    records = [{"external_id": r["external_id"],
                "attributes": {k: r[k] for k in ("title", "stage", "amount", "seats", "closes_on", "tags")
                               if r[k] not in (None, [])},
                "references": {"owner": {"id": people[r["owner"]]}} if r["owner"] is not None else {}}
               for r in rows]
    response = await api.client.post("/v1/objects/Deal/batch", json={"records": records})
    assert response.status_code == 200, response.text
    for row, object_id in zip(rows, response.json()["ids"]):
        row["id"] = object_id
    return rows


async def everything(api, params=None, body=None, limit=7):
    """Every page of a search, in order."""
    out, cursor = [], None
    while True:
        if body is None:
            response = await api.client.get("/v1/objects/Deal", params={**(params or {}), "limit": limit,
                                                                        **({"cursor": cursor} if cursor else {})})
        else:
            response = await api.client.post("/v1/objects/Deal/search", json={**body, "limit": limit,
                                                                              "cursor": cursor})
        assert response.status_code == 200, response.text
        out += [o["external_id"] for o in response.json()["data"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return out


def ids(rows, keep):
    return {r["external_id"] for r in rows if keep(r)}


CASES = [
    ("stage=won", lambda r: r["stage"] == "won"),
    ("stage!=won", lambda r: r["stage"] != "won"),
    ("amount>=250.5", lambda r: r["amount"] is not None and r["amount"] >= 250.5),
    ("amount<100", lambda r: r["amount"] is not None and r["amount"] < 100),
    ("seats>40", lambda r: r["seats"] is not None and r["seats"] > 40),
    ("seats<=10", lambda r: r["seats"] is not None and r["seats"] <= 10),
    ("closes_on>2026-06-30", lambda r: r["closes_on"] is not None and r["closes_on"] > "2026-06-30"),
    ("stage in won|lost", lambda r: r["stage"] in ("won", "lost")),
    ("title contains cme", lambda r: r["title"] is not None and "cme" in r["title"]),
    ("title starts_with Acme", lambda r: r["title"] is not None and r["title"].startswith("Acme")),
    ("title is_null", lambda r: r["title"] is None),
    ("title is_null false", lambda r: r["title"] is not None),
    ("tags=vip", lambda r: "vip" in r["tags"]),
    ("tags contains churn", lambda r: "churn" in r["tags"]),
    ("external_id=d07", lambda r: r["external_id"] == "d07"),
    ("owner.email=p2@example.com", lambda r: r["owner"] == 2),
    ("owner.email in p0@example.com|p1@example.com", lambda r: r["owner"] in (0, 1)),
]


@pytest.mark.parametrize("where,keep", CASES, ids=[c[0] for c in CASES])
async def test_each_operator_finds_what_python_finds(api, deals, where, keep):
    found = await everything(api, {"where": where})
    assert set(found) == ids(deals, keep) and len(found) == len(set(found))


async def test_filters_combine_and_count(api, deals):
    response = await api.client.get("/v1/objects/Deal", params={
        "where": ["stage=won", "amount>=100"], "count": "true", "limit": 3})
    expected = ids(deals, lambda r: r["stage"] == "won" and r["amount"] is not None and r["amount"] >= 100)
    assert response.json()["total"] == len(expected)
    assert set(await everything(api, {"where": ["stage=won", "amount>=100"]})) == expected


def ordered(rows, *keys):
    """Neo4j's order: ascending puts nulls last, descending first; id ends every sort."""
    out = sorted(rows, key=lambda r: r["id"])
    for key in reversed(keys):
        name, descending = key.lstrip("-"), key.startswith("-")
        present = sorted((r for r in out if r[name] is not None), key=lambda r: r[name], reverse=descending)
        missing = [r for r in out if r[name] is None]
        out = missing + present if descending else present + missing
    return [r["external_id"] for r in out]


@pytest.mark.parametrize("sort", ["-closes_on,amount", "title", "-amount", "stage,-seats", "-created_at"])
async def test_sorted_pages_keep_the_sort_across_cursors(api, deals, sort):
    # One batch: one created_at for all, so -created_at is id order.
    expected = ordered(deals, *[k for k in sort.split(",") if k != "-created_at"])
    assert await everything(api, {"sort": sort}, limit=4) == expected


async def test_a_search_body_says_or_and_not(api, deals):
    body = {"where": {"or": [
        {"and": [{"attribute": "stage", "op": "=", "value": "won"},
                 {"not": {"attribute": "amount", "op": "<", "value": 250}}]},
        {"attribute": "owner.email", "op": "=", "value": "p1@example.com"},
        {"attribute": "closes_on", "op": "is_null"}]}, "sort": "-amount"}
    expected = ids(deals, lambda r: (r["stage"] == "won" and not (r["amount"] is not None and r["amount"] < 250))
                   or r["owner"] == 1 or r["closes_on"] is None)
    found = await everything(api, body=body)
    assert set(found) == expected
    assert found == [e for e in ordered(deals, "-amount") if e in expected]


@pytest.mark.parametrize("params,code", [
    ({"where": "colour=red"}, "unknown_attribute"),
    ({"where": "stage>won"}, "invalid_filter"),
    ({"where": "stage=gone"}, "invalid_value"),
    ({"where": "amount>=lots"}, "invalid_value"),
    ({"where": "title~x"}, "invalid_filter"),
    ({"where": "nobody.email=x"}, "invalid_filter"),
    ({"sort": "tags"}, "invalid_filter"),
    ({"sort": "-nothing"}, "unknown_attribute"),
    ({"sort": "title", "cursor": "bm9wZQ"}, "invalid_cursor"),
])
async def test_a_bad_search_is_a_clear_422(api, deals, params, code):
    response = await api.client.get("/v1/objects/Deal", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def crafted(sort: str, *after) -> str:
    text = json.dumps({"sort": sort, "after": list(after)})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("sort,after", [
    ("closes_on", ("garbage", "x")), ("closes_on", (5, "x")), ("-created_at", (True, "x")),
    ("seats", (10**30, "x")), ("seats", ("abc", "x")), ("amount", ("1e999", "x")), ("title", ("a",)),
])
async def test_a_crafted_cursor_is_a_clear_422(api, deals, sort, after):
    signature = f"{sort},id"
    response = await api.client.get("/v1/objects/Deal", params={"sort": sort, "cursor": crafted(signature, *after)})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_cursor"


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    encoded("[" * 1490), encoded('{"sort":"title,id","after":' + "[" * 1490 + "]" * 1490 + "}"),
    encoded("{" * 3000), encoded(json.dumps({"sort": "title,id", "after": [["x"], "y"]})), "%%%",
])
async def test_a_deeply_nested_cursor_is_a_clear_422_on_get_and_post(api, deals, cursor):
    """Issue 32: a cursor of 1,490 nested '[' was a 500 (RecursionError in the JSON decoder)."""
    answers = [await api.client.get("/v1/objects/Deal", params={"sort": "title", "cursor": cursor}),
               await api.client.post("/v1/objects/Deal/search", json={"sort": "title", "cursor": cursor})]
    for answer in answers:
        assert answer.status_code == 422, answer.text[:300]
        error = answer.json()["error"]
        assert error["code"] == "invalid_cursor" and error["message"].startswith("cursor"), error


async def test_an_oversized_cursor_is_refused_before_it_is_decoded(api, deals):
    huge = encoded(json.dumps({"sort": "title,id", "after": ["x" * 20_000, "y"]}))
    got = await api.client.get("/v1/objects/Deal", params={"sort": "title", "cursor": huge})
    assert got.status_code == 422 and got.json()["error"]["code"] == "invalid_cursor", got.text[:300]
    assert "characters" in got.json()["error"]["message"]
    posted = await api.client.post("/v1/objects/Deal/search", json={"sort": "title", "cursor": huge})
    assert posted.status_code == 422, posted.text[:300]
    assert "cursor" in posted.json()["error"]["message"]  # the body's documented maxLength
    plain = await api.client.get("/v1/objects/Deal", params={"cursor": huge})  # the plain list's cursor
    assert plain.status_code == 422 and plain.json()["error"]["code"] == "invalid_cursor", plain.text[:300]


async def test_a_number_out_of_range_is_a_clear_422(api, deals):
    huge = int("1" + "0" * 400)
    body = {"where": {"attribute": "amount", "op": ">", "value": huge}}
    response = await api.client.post("/v1/objects/Deal/search", json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_value"
    written = await api.client.post("/v1/objects/Deal", json={"external_id": "big", "attributes": {"amount": huge}})
    assert written.status_code == 422


async def test_a_cursor_keeps_its_sort(api, deals):
    first = (await api.client.get("/v1/objects/Deal", params={"sort": "title", "limit": 5})).json()
    other = await api.client.get("/v1/objects/Deal", params={"sort": "-title", "cursor": first["next_cursor"]})
    assert other.status_code == 422 and other.json()["error"]["code"] == "invalid_cursor"


async def test_indexed_attributes_have_an_index_that_goes_with_them(api, graph):
    label = f"Listing{uuid.uuid4().hex[:8]}"  # a label of its own: indexes are per label, shared by workspaces
    # (every type has (workspace, id) for its lists, as it has its two constraints: left out below)
    await create_types(api, {"name": label, "attributes": [
        {"name": "title", "data_type": "string", "indexed": True},
        {"name": "closes_on", "data_type": "date", "indexed": True},
        {"name": "seats", "data_type": "integer", "unique": True}]})

    def indexes():
        records, _, _ = graph.execute_query(
            "SHOW INDEXES YIELD labelsOrTypes, properties WHERE labelsOrTypes = [$label] "
            "AND NOT properties IN [['id'], ['workspace', 'external_id'], ['workspace', 'id']] RETURN properties",
            label=label)
        return {tuple(r["properties"]) for r in records}

    assert indexes() == {("workspace", "title"), ("workspace", "closes_on"), ("workspace", "_u_seats")}
    _, summary, _ = graph.execute_query(
        f"EXPLAIN MATCH (n:`{label}` {{workspace: $ws}}) WHERE (n.title IS NOT NULL AND n.title = $v) RETURN n",
        ws=api.workspace, v="Globex")  # the form search renders a condition in
    assert "NodeIndexSeek" in str(summary.plan)
    assert (await api.client.patch(f"/v1/types/{label}/attributes/title", json={"indexed": False})).status_code == 200
    assert (await api.client.delete(f"/v1/types/{label}/attributes/closes_on")).status_code == 204
    assert (await api.client.patch(f"/v1/types/{label}/attributes/seats", json={"unique": False})).status_code == 200
    # A uniqueness constraint stays, constraining nothing: no object carries its key any more.
    assert indexes() == {("workspace", "_u_seats")}
    assert (await api.client.patch(f"/v1/types/{label}/attributes/seats", json={"indexed": True})).status_code == 200
    assert indexes() == {("workspace", "_u_seats"), ("workspace", "seats")}
