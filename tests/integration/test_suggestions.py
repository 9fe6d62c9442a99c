"""Every name a person can misspell gets "did you mean", and a mistake that has one fix
says it (issue 33): one table of mistakes, each sent as a client would send it."""

import pytest

from tests.integration.helpers import ORDER, create_types, person

# (what was sent, status, code, words the message must hold, details.did_you_mean)
MISTAKES = [
    ("GET /v1/objects/Order?where=totl>=400", 422, "unknown_attribute", "did you mean 'total'?", "total"),
    ("GET /v1/objects/Order?sort=totl", 422, "unknown_attribute", "did you mean 'total'?", "total"),
    ("GET /v1/objects/Order?sort=total desc", 422, "invalid_filter", "write '-total'", None),
    ("GET /v1/objects/Order?sort=total asc", 422, "invalid_filter", "write 'total'", None),
    ("GET /v1/objects/Order?where=total=>400", 422, "invalid_filter", "written '>='; write total>=400", None),
    ("GET /v1/objects/Order?where=total=<400", 422, "invalid_filter", "written '<='; write total<=400", None),
    ("GET /v1/objects/Order?count=maybe", 422, "invalid_input", "count takes true or false", None),
    ("GET /v1/objects/Ordr", 404, "unknown_type", "did you mean 'Order'?", "Order"),
    ("GET /v1/objects/Order/{order}?expand=custmer", 422, "unknown_attribute", "did you mean 'customer'?",
     "customer"),
    ("GET /v1/reports/passport_expiring", 404, "unknown_report", "did you mean 'passports_expiring'?",
     "passports_expiring"),
    ("GET /v1/objects/Person/{person}/traverse?path=orders&where=totl>=400", 422, "unknown_attribute",
     "did you mean 'total'? (it has", "total"),
    ("GET /v1/objects/Person/{person}/traverse?path=ordrs", 422, "unknown_attribute", "did you mean 'orders'?",
     "orders"),
]


@pytest.fixture
async def shop(api):
    await create_types(api, ORDER)
    ada = await person(api, "ada")
    order = await api.client.post("/v1/objects/Order", json={
        "external_id": "o1", "attributes": {"order_number": "N1", "total": 5},
        "references": {"customer": {"external_id": "ada"}}})
    assert order.status_code == 201, order.text
    return api, {"person": ada["id"], "order": order.json()["id"]}


@pytest.mark.parametrize(("sent", "status", "code", "words", "meant"), MISTAKES, ids=[m[0] for m in MISTAKES])
async def test_a_mistake_says_what_was_meant(shop, sent, status, code, words, meant):
    api, ids = shop
    method, target = sent.split(" ", 1)
    path, _, query = target.format(**ids).partition("?")
    params = [tuple(pair.split("=", 1)) for pair in query.split("&") if pair]
    answer = await api.client.request(method, path, params=params)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and words in error["message"], error
    assert error.get("details", {}).get("did_you_mean") == meant, error


@pytest.mark.parametrize(("name", "meant"), [("Passport number", "Passport_number"), ("id-card", "id_card"),
                                             ("MATCH", "MATCH_"), ("9lives", None)])
async def test_a_name_that_cannot_be_one_says_the_rule_in_words_and_a_name_that_can(api, name, meant):
    answer = await api.client.post("/v1/types", json={"name": name})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_identifier" and "^[" not in error["message"], error
    assert error["details"].get("did_you_mean") == meant, error
    if meant and meant != "MATCH_":
        assert "use letters, digits and _, starting with a letter" in error["message"]
    assert name not in {t["name"] for t in (await api.client.get("/v1/types")).json()["data"]}  # nothing made
