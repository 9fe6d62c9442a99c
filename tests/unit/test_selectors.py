from service.domain.selectors import Order, arrange, label


def obj(id_, **attributes):
    return {"id": id_, "external_id": f"ext-{id_}", "attributes": attributes}


def test_labels_fill_attributes_and_leave_unset_ones_empty():
    assert label("{{order_number}} ({{status}})", obj("1", order_number="ORDER-1", status="paid")) == "ORDER-1 (paid)"
    assert label("{{order_number}} {{status}}", obj("1", order_number="ORDER-1")) == "ORDER-1"
    assert label("{{external_id}}", obj("7")) == "ext-7"


def test_buttons_are_in_a_stable_order_unset_values_last_and_capped():
    objects = [obj("3", total=5.0), obj("1"), obj("2", total=9.0), obj("4", total=5.0)]
    assert [o["id"] for o in arrange(objects, None, 10)] == ["1", "2", "3", "4"]
    assert [o["id"] for o in arrange(objects, Order(by="total", direction="desc"), 10)] == ["2", "3", "4", "1"]
    assert [o["id"] for o in arrange(objects, Order(by="total"), 2)] == ["3", "4"]
