import pytest

from service.domain.tokens import allows, needed_scope, new_token, token_hash


@pytest.mark.parametrize("method, route, scope", [
    ("GET", "/v1/objects/Order", "read"),
    ("GET", "/v1/types", "read"),
    ("GET", "/v1/reports/orders_per_person", "read"),
    ("POST", "/v1/objects/Order/batch", "write"),
    ("DELETE", "/v1/objects/Order/0190", "write"),
    ("POST", "/v1/objects/Types", "write"),  # an object type named Types is data, not schema
    ("POST", "/v1/connectors/0190/runs", "write"),
    ("POST", "/v1/connectors/0190/test", "write"),
    ("POST", "/v1/conversations/c1/selectors/s1/select", "write"),
    ("POST", "/intercom/custom_object_instances/Order", "write"),
    ("POST", "/v1/types", "admin"),
    ("PATCH", "/v1/types/Order/attributes/customer", "admin"),
    ("POST", "/v1/connectors", "admin"),
    ("PATCH", "/v1/connectors/0190", "admin"),
    ("DELETE", "/v1/selectors/s1", "admin"),
    ("GET", "/v1/secrets", "admin"),
    ("PUT", "/v1/secrets/shop", "admin"),
])
def test_each_route_needs_its_scope(method, route, scope):
    assert needed_scope(method, route) == scope


def test_scopes_are_ordered_and_tokens_random_and_stored_hashed():
    assert allows("admin", "write") and allows("write", "read") and not allows("read", "write")
    a, b = new_token(), new_token()
    assert a != b and a.startswith("rg_") and len(a) >= 40
    assert token_hash(a) != a and len(token_hash(a)) == 64
