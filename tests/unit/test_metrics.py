"""The unauthenticated /metrics names no tenant's resource: the webhook lag is one number."""

from service.metrics import REGISTRY, Lags


def test_the_lag_is_the_largest_endpoints_and_an_endpoint_caught_up_leaves():
    lags = Lags()
    assert lags.set("hook-a", 12.0) == 12.0
    assert lags.set("hook-b", 30.0) == 30.0
    assert lags.set("hook-b", 0.0) == 12.0  # caught up
    assert lags.set("hook-gone", 0.0) == 12.0  # never seen: nothing to forget
    assert lags.set("hook-a", 0.0) == 0.0 and lags.by_endpoint == {}


def test_no_metric_has_a_label_that_could_name_a_tenants_resource():
    labels = {names[0]: set(collector._labelnames) for collector, names in REGISTRY._collector_to_names.items()}
    assert set().union(*labels.values()) <= {"method", "route", "status", "reason", "error_class", "type"}, labels
