import pytest

from service.domain.identifiers import check_identifier, is_identifier
from service.errors import InvalidInput


@pytest.mark.parametrize("name", ["Order", "a", "order_number", "X1_", "A" * 63])
def test_valid_identifiers(name):
    assert check_identifier(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "_hidden", "1abc", "A" * 64, "a b", "a`b", "a\u0060b", "a/**/b", "Оrder",  # Cyrillic O
     "a-b", "a.b", "a\nb", "x" * 10_000, None, 12, "MATCH", "return", "Delete"],
)
def test_invalid_identifiers(name):
    assert not is_identifier(name)
    with pytest.raises(InvalidInput) as info:
        check_identifier(name, what="type name")
    assert info.value.code == "invalid_identifier"
    assert len(info.value.message) < 300  # a 10k-char name is not echoed whole


def test_relationship_types_read_well_in_browser():
    from service.domain.identifiers import relationship_type

    assert relationship_type("customer") == "CUSTOMER"
    assert relationship_type("orderItems") == "ORDER_ITEMS"
    assert relationship_type("order_options") == "ORDER_OPTIONS"
