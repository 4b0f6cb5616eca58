"""A webhook line whose quantity is not a whole number of at least 1 is never dropped: the order is held
with a reason naming the line and the value that arrived, and every line that arrived is on the order."""

import json

import pytest

from orders.adapters import bigcommerce, shopify, woocommerce
from orders.models import Channel, InboxDelivery, Order
from orders.services.inbox import inbox_process
from tests.orders.storefront import bigcommerce_body, payload, shopify_headers, woocommerce_headers
from tests.orders.test_webhooks import post, shop_with_products
from tests.peers.storefront import StorefrontPeer

BAD_QUANTITIES = [
    ("two", '"two" is not a whole number'),
    (1.5, "1.5 is not a whole number"),
    ("2.5", '"2.5" is not a whole number'),
    (-1, "-1 is not at least 1"),
    (0, "0 is not at least 1"),
    (None, "quantity is missing"),
    ("", "quantity is missing"),
    (True, "true is not a whole number"),
    ([2], "[2] is not a whole number"),
    ({"value": 2}, '{"value": 2} is not a whole number'),
    ("x" * 200, "is not a whole number"),
]


def _deliver(client, kind, mutate_line):
    if kind == "shopify":
        channel = shop_with_products()
        order = payload("shopify_order")
        mutate_line(order["line_items"][1])
        order["line_items"][1].pop("current_quantity", None)
        body = json.dumps(order).encode()
        assert post(client, channel, body, shopify_headers("whsec-123", body)).status_code == 200
        inbox_process(delivery_id=InboxDelivery.objects.get().pk)
        return "ACME-0002", 2
    if kind == "woocommerce":
        channel = shop_with_products("woocommerce", skus=("BLOOM-0001", "BLOOM-0002"))
        order = payload("woocommerce_order")
        mutate_line(order["line_items"][1])
        body = json.dumps(order).encode()
        assert post(client, channel, body, woocommerce_headers("whsec-123", body)).status_code == 200
        inbox_process(delivery_id=InboxDelivery.objects.get().pk)
        return "BLOOM-0002", 2
    channel = shop_with_products("bigcommerce")
    with StorefrontPeer("bigcommerce") as peer:
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
        order = payload("bigcommerce_order")
        mutate_line(order["products"][1])
        peer.add_order(order)
        assert post(client, channel, bigcommerce_body(250), {"HTTP_X_WMS_WEBHOOK_SECRET": "whsec-123"}).status_code == 200
        inbox_process(delivery_id=InboxDelivery.objects.get().pk)
    return "ACME-0004", 2


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["shopify", "woocommerce", "bigcommerce"])
@pytest.mark.parametrize("value,problem", [BAD_QUANTITIES[i] for i in (0, 1, 3, 4, 5, 10)])
def test_a_line_with_an_invalid_quantity_holds_the_order_naming_the_line_and_the_value(client, kind, value, problem):
    sku, line_no = _deliver(client, kind, lambda line: line.update(quantity=value))
    assert InboxDelivery.objects.get().status == "processed"
    order = Order.objects.get()
    assert order.status == Order.Status.ON_HOLD
    # Both lines that arrived are on the order: the good one as sent, the bad one at 0.
    lines = list(order.lines.order_by("line_no").values_list("sku", "quantity"))
    assert len(lines) == 2 and lines[1] == (sku, 0) and lines[0][1] > 0
    reason = order.holds.get(kind="invalid_quantity", released_at__isnull=True).reason
    assert f"line {line_no}, SKU {sku}" in reason and problem in reason, reason
    assert "no lines" not in reason
    assert len(reason) <= 500
    assert problem in " ".join(order.events.values_list("message", flat=True))


@pytest.mark.parametrize("adapter,fixture,lines_key", [
    (shopify, "shopify_order", "line_items"), (woocommerce, "woocommerce_order", "line_items"),
    (bigcommerce, "bigcommerce_order", "products"),
])
@pytest.mark.parametrize("value,problem", BAD_QUANTITIES)
def test_adapters_keep_a_line_with_a_bad_quantity_and_say_what_arrived(adapter, fixture, lines_key, value, problem):
    data = payload(fixture)
    data[lines_key][0]["quantity"] = value
    data[lines_key][0].pop("current_quantity", None)
    normalized = adapter.normalize(data)
    assert len(normalized.lines) == len(data[lines_key])
    first = normalized.lines[0]
    assert first.quantity == 0 and first.problem.startswith("quantity ") and problem in first.problem
    assert all(not line.problem and line.quantity > 0 for line in normalized.lines[1:])


@pytest.mark.django_db
def test_a_shopify_order_left_without_shippable_lines_says_what_arrived(client):
    channel = shop_with_products()
    order = payload("shopify_order")
    order["line_items"][0]["requires_shipping"] = False
    order["line_items"][1]["current_quantity"] = 0  # removed by an order edit
    body = json.dumps(order).encode()
    assert post(client, channel, body, shopify_headers("whsec-123", body)).status_code == 200
    inbox_process(delivery_id=InboxDelivery.objects.get().pk)
    held = Order.objects.get()
    reason = held.holds.get(kind="invalid_quantity").reason
    assert "no lines to ship" in reason
    assert "SKU ACME-0001" in reason and "needs no shipping" in reason
    assert "SKU ACME-0002" in reason and "removed by an order edit" in reason


def test_a_shopify_line_removed_by_an_edit_is_set_aside_not_held():
    data = payload("shopify_order")
    data["line_items"][1]["current_quantity"] = 0
    normalized = shopify.normalize(data)
    assert [line.sku for line in normalized.lines] == ["ACME-0001"]
    assert normalized.set_aside and "removed by an order edit" in normalized.set_aside[0]
