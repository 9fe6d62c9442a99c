"""Where connectors and webhooks may connect: the address rules and REFGRAPH_CONNECTOR_ALLOWED_HOSTS
(REFGRAPH_WEBHOOK_ALLOWED_HOSTS)."""

import ipaddress

import pytest

from service.config import Settings
from service.fetch import WEBHOOKS, Destinations, FetchError, is_public


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::1",
])
def test_internal_addresses_in_every_form_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses_are(address):
    assert is_public(ipaddress.ip_address(address))


def test_named_hosts_may_be_internal_and_a_port_narrows_them():
    named = Destinations.parse("shop.internal, 127.0.0.1:8081, [::1]:9000, 10.0.0.5")
    loopback = ipaddress.ip_address("127.0.0.1")
    named.check_address("127.0.0.1", 8081, loopback)  # named with this port: allowed
    named.check_address("SHOP.internal.", 443, ipaddress.ip_address("10.9.9.9"))  # any port, any spelling
    named.check_address("::1", 9000, ipaddress.ip_address("::1"))
    with pytest.raises(FetchError, match="REFGRAPH_CONNECTOR_ALLOWED_HOSTS"):
        named.check_address("127.0.0.1", 8082, loopback)  # another port
    with pytest.raises(FetchError) as refused:
        named.check_host("api.example.com", 443)  # a list, when set, is the only hosts
    assert refused.value.error_class == "host_not_allowed"


def test_with_no_list_public_addresses_only():
    anywhere = Destinations.parse("")
    anywhere.check_host("api.example.com", 443)
    anywhere.check_address("api.example.com", 443, ipaddress.ip_address("93.184.216.34"))
    with pytest.raises(FetchError) as refused:
        anywhere.check_address("rebinding.example", 443, ipaddress.ip_address("169.254.169.254"))
    assert refused.value.error_class == "host_not_allowed" and "169.254" not in refused.value.message


@pytest.mark.parametrize("entry", ["http://x", "x:notaport", "user@x", "x/path"])
def test_a_malformed_entry_is_refused_at_start_up(entry):
    with pytest.raises(ValueError, match="REFGRAPH_CONNECTOR_ALLOWED_HOSTS"):
        Destinations.parse(entry)


def test_webhooks_refusals_name_their_own_setting():
    loopback = ipaddress.ip_address("127.0.0.1")
    for hooks in (Destinations.parse("", WEBHOOKS), Settings(webhook_allowed_hosts="hooks.internal").webhook_destinations()):
        with pytest.raises(FetchError) as refused:
            hooks.check_address("127.0.0.1", 8080, loopback)
        assert refused.value.error_class == "host_not_allowed"
        assert "REFGRAPH_WEBHOOK_ALLOWED_HOSTS" in refused.value.message and "webhooks may call" in refused.value.message
        assert "CONNECTOR" not in refused.value.message and "connectors" not in refused.value.message
    with pytest.raises(FetchError, match="REFGRAPH_WEBHOOK_ALLOWED_HOSTS"):
        Destinations.parse("hooks.internal", WEBHOOKS).check_host("api.example.com", 443)
    with pytest.raises(ValueError, match="REFGRAPH_WEBHOOK_ALLOWED_HOSTS"):
        Settings(webhook_allowed_hosts="http://x")
