"""Adapters read each storefront's real payloads; clients talk to a real local HTTP server."""

from decimal import Decimal

import pytest

from orders.adapters import bigcommerce, shopify, woocommerce
from orders.adapters.base import PayloadError, PeerError, SignatureError, verify_hmac_base64
from tests.orders.storefront import payload
from tests.peers.storefront import StorefrontPeer


def test_shopify_signature_check_vector():
    verify_hmac_base64("secret", b'{"id":1}', "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=")
    with pytest.raises(SignatureError, match="does not match"):
        verify_hmac_base64("secret", b'{"id":2}', "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=")
    with pytest.raises(SignatureError, match="missing"):
        verify_hmac_base64("secret", b'{"id":1}', None)


def test_shopify_order_normalizes_lines_discounts_service_level_and_missing_optionals():
    order = shopify.normalize(payload("shopify_order"))
    assert (order.external_id, order.order_number, order.email) == ("820982911946154508", "#1001", "jon@example.com")
    assert [(l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("ACME-0001", 1, Decimal("149.00"), Decimal("10.00")), ("ACME-0002", 3, Decimal("13.00"), Decimal("0.00"))]
    assert order.ship_to.company == "" and order.ship_to.phone == "" and order.ship_to.region == "NJ"
    assert (order.shipping_total, order.total, order.service_level, order.payment_status) == (
        Decimal("19.95"), Decimal("210.40"), "expedited", "paid")
    assert order.channel_updated_at.isoformat() == "2026-11-20T10:16:00-05:00"


def test_shopify_order_without_shipping_address_or_customer():
    data = payload("shopify_order")
    data.pop("shipping_address")
    data.pop("customer")
    data["financial_status"] = "pending"
    order = shopify.normalize(data)
    assert order.ship_to is None and order.customer_name == "" and order.payment_status == "pending"


def test_woocommerce_order_normalizes_and_ping_is_recognised():
    order = woocommerce.normalize(payload("woocommerce_order"))
    assert [(l.sku, l.quantity, l.discount) for l in order.lines] == [("BLOOM-0001", 2, Decimal("5.00")), ("BLOOM-0002", 1, Decimal("0.00"))]
    assert (order.payment_status, order.service_level, order.ship_to.postal_code) == ("paid", "standard", "94103")
    assert order.channel_updated_at.isoformat() == "2026-11-20T19:05:24+00:00"
    assert woocommerce.is_ping(b"webhook_id=12", {})
    assert not woocommerce.is_ping(b"webhook_id=12", {"X-WC-Webhook-Signature": "x"})
    assert not woocommerce.is_ping(b'{"id": 1}', {})


def test_woocommerce_dedup_key_is_order_and_modification_time_not_delivery_id():
    body = b'{"id": 727, "date_modified_gmt": "2026-11-20T19:05:24", "status": "processing"}'
    one = woocommerce.parse_webhook(body, {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "a"})
    two = woocommerce.parse_webhook(body, {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "b"})
    assert one.event_id == two.event_id == "woocommerce:727:2026-11-20T19:05:24"


def test_bigcommerce_thin_webhook_and_assembled_order():
    event = bigcommerce.parse_webhook(
        b'{"scope":"store/order/created","store_id":"1","data":{"type":"order","id":250},"hash":"abc","created_at":1}', {})
    assert (event.topic, event.event_id, event.external_order_id) == ("order.created", "bigcommerce:abc", "250")
    order = bigcommerce.normalize(payload("bigcommerce_order"))
    assert [(l.sku, l.quantity) for l in order.lines] == [("ACME-0003", 2), ("ACME-0004", 1)]
    assert (order.ship_to.region, order.ship_to.company, order.service_level) == ("TX", "Roe LLC", "expedited")
    assert order.payment_status == "paid" and not order.is_cancelled


@pytest.mark.parametrize("module", [shopify, woocommerce, bigcommerce])
@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]", b'"text"'])
def test_malformed_bodies_raise_payload_errors(module, body):
    with pytest.raises(PayloadError):
        module.parse_webhook(body, {"X-Shopify-Topic": "orders/create", "X-WC-Webhook-Topic": "order.created"})


def test_bigcommerce_client_fetches_an_order_with_products_and_addresses():
    with StorefrontPeer("bigcommerce") as peer:
        peer.add_order(payload("bigcommerce_order"))
        order = bigcommerce.BigCommerceClient(peer.url, peer.token).fetch_order("250")
        assert len(order["products"]) == 2 and order["shipping_addresses"][0]["zip"] == "78751"
        assert [r["path"] for r in peer.requests] == [
            "/stores/abc123/v2/orders/250", "/stores/abc123/v2/orders/250/products", "/stores/abc123/v2/orders/250/shipping_addresses"]


@pytest.mark.parametrize("kind", ["shopify", "woocommerce", "bigcommerce"])
def test_changed_since_listing_follows_pagination(kind):
    with StorefrontPeer(kind, page_size=2) as peer:
        for n in range(5):
            peer.add_order(_order(kind, n))
        client = _client(kind, peer)
        orders, cursor = client.list_orders_changed_since(None)
        assert sorted(str(o["id"]) for o in orders) == [str(1000 + n) for n in range(5)]
        again, _ = client.list_orders_changed_since(cursor)
        assert again == []


@pytest.mark.parametrize("kind", ["shopify", "woocommerce", "bigcommerce"])
def test_set_available_reaches_the_storefront_and_errors_hide_credentials(kind):
    with StorefrontPeer(kind) as peer:
        peer.stock["SKU-1"] = 3
        client = _client(kind, peer)
        client.set_available("SKU-1", 7)
        assert peer.pushes == [("SKU-1", 7)] and peer.stock["SKU-1"] == 7
        peer.down = True
        with pytest.raises(PeerError) as down:
            client.set_available("SKU-1", 8)
        assert down.value.status == 503
        peer.down = False
        wrong = _client(kind, peer, bad=True)
        with pytest.raises(PeerError) as refused:
            wrong.set_available("SKU-1", 9)
        assert refused.value.status == 401 and "wrong-secret" not in str(refused.value)


def _client(kind, peer, bad=False):
    secret = "wrong-secret" if bad else None
    if kind == "shopify":
        return shopify.ShopifyClient(peer.url, secret or peer.token)
    if kind == "woocommerce":
        return woocommerce.WooCommerceClient(peer.url, peer.key, secret or peer.secret)
    return bigcommerce.BigCommerceClient(peer.url, secret or peer.token)


def _order(kind, n):
    if kind == "shopify":
        data = payload("shopify_order")
        data.update(id=1000 + n, updated_at=f"2026-11-20T10:1{n}:00-05:00")
    elif kind == "woocommerce":
        data = payload("woocommerce_order")
        data.update(id=1000 + n, date_modified_gmt=f"2026-11-20T19:0{n}:24")
    else:
        data = payload("bigcommerce_order")
        data.update(id=1000 + n, date_modified=f"Fri, 20 Nov 2026 16:1{n}:44 +0000")
    return data
