"""Storefront adapters read each storefront's real payloads; their clients talk to a real local HTTP server.
Pure Python: no database."""

import json
import socket
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orders.adapters import bigcommerce, shopify, woocommerce
from orders.adapters.base import (
    HttpClient,
    NormalizedAddress,
    PayloadError,
    PeerError,
    SignatureError,
    service_level_from,
    verify_hmac_base64,
)
from tests.orders.storefront import payload, sign
from tests.peers.storefront import StorefrontPeer

KINDS = ["shopify", "woocommerce", "bigcommerce"]
ADAPTERS = {"shopify": shopify, "woocommerce": woocommerce, "bigcommerce": bigcommerce}
FIXTURES = {"shopify": "shopify_order", "woocommerce": "woocommerce_order", "bigcommerce": "bigcommerce_order"}


def adds_up(order) -> bool:
    return order.subtotal - order.discount_total + order.shipping_total + order.tax_total == order.total


# --- signatures ----------------------------------------------------------------------------------------------

def test_hmac_check_vector_and_refusals():
    verify_hmac_base64("secret", b'{"id":1}', "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=")
    with pytest.raises(SignatureError, match="does not match"):
        verify_hmac_base64("secret", b'{"id":2}', "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=")
    with pytest.raises(SignatureError, match="missing"):
        verify_hmac_base64("secret", b'{"id":1}', None)
    with pytest.raises(SignatureError, match="no webhook secret"):
        verify_hmac_base64("", b'{"id":1}', sign("", b'{"id":1}'))  # an empty key signs for anyone


def _signed_headers(kind: str, secret: str, body: bytes) -> dict[str, str]:
    # Header names in odd cases on purpose: HTTP/2 lower-cases them, proxies do worse.
    if kind == "shopify":
        return {"x-shopify-hmac-sha256": sign(secret, body), "X-SHOPIFY-TOPIC": "orders/create"}
    if kind == "woocommerce":
        return {"x-wc-webhook-signature": sign(secret, body), "X-Wc-Webhook-Topic": "order.created"}
    return {"x-wms-webhook-secret": secret}


@pytest.mark.parametrize("kind", KINDS)
def test_verify_accepts_the_real_signature_in_any_header_case_and_refuses_forged_or_missing(kind):
    module, body = ADAPTERS[kind], b'{"id": 727}'
    module.verify("whsec-123", body, _signed_headers(kind, "whsec-123", body))
    with pytest.raises(SignatureError, match="does not match"):
        module.verify("whsec-123", body, _signed_headers(kind, "forged", body))
    with pytest.raises(SignatureError, match="missing"):
        module.verify("whsec-123", body, {"Content-Type": "application/json"})
    with pytest.raises(SignatureError):
        module.verify("", body, _signed_headers(kind, "", body))
    if kind != "bigcommerce":  # the HMAC covers the body; BigCommerce's secret header does not
        with pytest.raises(SignatureError, match="does not match"):
            module.verify("whsec-123", body + b" ", _signed_headers(kind, "whsec-123", body))


# --- Shopify -------------------------------------------------------------------------------------------------

def test_shopify_order_normalizes_lines_discounts_totals_service_level_and_null_optionals():
    order = shopify.normalize(payload("shopify_order"))
    assert (order.external_id, order.order_number, order.email, order.customer_name) == (
        "820982911946154508", "#1001", "jon@example.com", "Jon Snow")
    assert [(l.external_line_id, l.sku, l.name, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("466157049", "ACME-0001", "Trail Tent - 2P", 1, Decimal("149.00"), Decimal("10.00")),
        ("518995019", "ACME-0002", "Headlamp", 3, Decimal("13.00"), Decimal("0.00")),
    ]
    assert order.ship_to == NormalizedAddress(name="Jon Snow", company="", line1="123 Amoebobacterium St", line2="Apt 4",
                                              city="Newark", region="NJ", postal_code="07102", country="US", phone="")
    assert (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.total) == (
        Decimal("188.00"), Decimal("10.00"), Decimal("19.95"), Decimal("12.45"), Decimal("210.40"))
    assert adds_up(order)
    assert (order.service_level, order.payment_status, order.is_cancelled, order.raw_status) == (
        "expedited", "paid", False, "paid / unfulfilled")
    assert order.channel_updated_at.isoformat() == "2026-11-20T10:16:00-05:00"
    assert order.placed_at.isoformat() == "2026-11-20T10:15:00-05:00"


def test_shopify_order_without_address_customer_or_email_keeps_only_lines_to_ship():
    order = shopify.normalize(payload("shopify_order_minimal"))
    assert (order.ship_to, order.customer_name, order.email, order.payment_status, order.service_level) == (
        None, "", "", "pending", "standard")
    # The gift card needs no shipping and the headlamp was removed by an order edit (current_quantity 0).
    assert [(l.sku, l.name, l.quantity, l.unit_price) for l in order.lines] == [("", "Custom tent stakes", 2, Decimal("5.00"))]
    assert (order.subtotal, order.total) == (Decimal("60.00"), Decimal("60.00")) and adds_up(order)


@pytest.mark.parametrize("financial,expected", [
    ("paid", "paid"), ("authorized", "paid"), ("partially_refunded", "paid"), ("pending", "pending"),
    ("partially_paid", "partially_paid"), ("refunded", "refunded"), ("voided", "voided"), ("expired", "voided"),
    (None, "pending"),
])
def test_shopify_financial_status_maps_to_payment_status(financial, expected):
    assert shopify.normalize({**payload("shopify_order"), "financial_status": financial}).payment_status == expected


def test_shopify_cancelled_order():
    order = shopify.normalize({**payload("shopify_order"), "cancelled_at": "2026-11-20T11:00:00-05:00",
                               "cancel_reason": "customer", "financial_status": "refunded"})
    assert (order.is_cancelled, order.payment_status, order.raw_status) == (True, "refunded", "refunded / unfulfilled / cancelled")


def test_shopify_webhook_topics_event_ids_and_trigger_time():
    body = json.dumps(payload("shopify_order")).encode()
    event = shopify.parse_webhook(body, {"x-shopify-topic": "orders/create", "x-shopify-event-id": "evt-1",
                                         "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                                         "x-shopify-triggered-at": "2026-11-20T15:16:00.877041743Z"})
    assert (event.topic, event.event_id, event.external_order_id) == ("order.created", "shopify:orders/create:evt-1", "820982911946154508")
    assert event.triggered_at == datetime(2026, 11, 20, 15, 16, 0, 877041, tzinfo=UTC)
    assert event.payload["name"] == "#1001"
    retry = shopify.parse_webhook(body, {"X-Shopify-Topic": "orders/paid", "X-Shopify-Webhook-Id": "delivery-9"})
    assert (retry.topic, retry.event_id, retry.triggered_at) == ("order.paid", "shopify:orders/paid:delivery-9", None)
    for topic, expected in [("orders/updated", "order.updated"), ("orders/cancelled", "order.cancelled"),
                            ("orders/delete", "order.cancelled"), ("products/update", "other")]:
        assert shopify.parse_webhook(b'{"id": 5}', {"X-Shopify-Topic": topic}).topic == expected


def test_shopify_webhook_without_topic_order_id_or_with_a_bad_trigger_time_is_malformed():
    with pytest.raises(PayloadError, match="Topic"):
        shopify.parse_webhook(b'{"id": 5}', {})
    with pytest.raises(PayloadError, match="no order id"):
        shopify.parse_webhook(b'{"name": "#1001"}', {"X-Shopify-Topic": "orders/create"})
    with pytest.raises(PayloadError, match="ISO 8601"):
        shopify.parse_webhook(b'{"id": 5}', {"X-Shopify-Topic": "orders/create", "X-Shopify-Triggered-At": "yesterday"})


# --- WooCommerce ---------------------------------------------------------------------------------------------

def test_woocommerce_order_normalizes_list_prices_discounts_totals_and_address():
    order = woocommerce.normalize(payload("woocommerce_order"))
    assert (order.external_id, order.order_number, order.email, order.customer_name) == (
        "727", "727", "john.doe@example.com", "John Doe")
    # `price` in the payload is already discounted (17.5); the line's list price is subtotal / quantity.
    assert [(l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("BLOOM-0001", 2, Decimal("20.00"), Decimal("5.00")), ("BLOOM-0002", 1, Decimal("20.00"), Decimal("0.00"))]
    assert (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.total) == (
        Decimal("60.00"), Decimal("5.00"), Decimal("10.00"), Decimal("1.35"), Decimal("66.35"))
    assert adds_up(order)
    assert order.ship_to == NormalizedAddress(name="John Doe", line1="969 Market", city="San Francisco", region="CA",
                                              postal_code="94103", country="US", phone="(555) 555-5555")
    assert (order.payment_status, order.service_level, order.raw_status, order.is_cancelled) == (
        "paid", "standard", "processing", False)
    assert order.channel_updated_at.isoformat() == "2026-11-20T19:05:24+00:00"


@pytest.mark.parametrize("status,paid_at,expected,cancelled", [
    ("pending", None, "pending", False), ("on-hold", None, "pending", False), ("processing", None, "paid", False),
    ("completed", "2026-11-20T19:05:24", "paid", False), ("refunded", "2026-11-20T19:05:24", "refunded", False),
    ("failed", None, "voided", False), ("cancelled", None, "voided", True), ("trash", None, "voided", True),
])
def test_woocommerce_status_maps_to_payment_and_cancellation(status, paid_at, expected, cancelled):
    order = woocommerce.normalize({**payload("woocommerce_order"), "status": status, "date_paid_gmt": paid_at})
    assert (order.payment_status, order.is_cancelled) == (expected, cancelled)


def test_woocommerce_virtual_order_has_no_ship_to_and_express_shipping_is_expedited():
    data = payload("woocommerce_order")
    data["shipping"] = dict.fromkeys(data["shipping"], "")
    data["shipping_lines"] = [{"id": 1, "method_title": "Express (1-2 days)", "method_id": "flat_rate", "total": "10.00"}]
    order = woocommerce.normalize(data)
    assert order.ship_to is None and order.service_level == "expedited"


def test_woocommerce_ping_is_recognised_and_nothing_else_is():
    assert woocommerce.is_ping(b"webhook_id=12", {"Content-Type": "application/x-www-form-urlencoded"})
    assert not woocommerce.is_ping(b"webhook_id=12", {"x-wc-webhook-signature": "abc"})
    assert not woocommerce.is_ping(b"webhook_id=12&x=1", {})
    assert not woocommerce.is_ping(b"webhook_id=abc", {})
    assert not woocommerce.is_ping(b'{"id": 1}', {})
    assert not woocommerce.is_ping(b"", {})


def test_woocommerce_dedup_key_is_order_and_modification_time_not_delivery_id():
    body = b'{"id": 727, "date_modified_gmt": "2026-11-20T19:05:24", "status": "processing"}'
    one = woocommerce.parse_webhook(body, {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "a"})
    two = woocommerce.parse_webhook(body, {"x-wc-webhook-topic": "order.updated", "X-WC-Webhook-Delivery-ID": "b"})
    assert one.event_id == two.event_id == "woocommerce:727:2026-11-20T19:05:24"
    assert (one.topic, one.external_order_id) == ("order.updated", "727")


def test_woocommerce_cancelled_status_and_deletion_are_cancellations():
    cancelled = woocommerce.parse_webhook(b'{"id": 727, "status": "cancelled", "date_modified_gmt": "2026-11-21T08:00:00"}',
                                          {"X-WC-Webhook-Topic": "order.updated"})
    deleted = woocommerce.parse_webhook(b'{"id": 727}', {"X-WC-Webhook-Topic": "order.deleted"})
    assert cancelled.topic == deleted.topic == "order.cancelled"
    assert deleted.event_id == "woocommerce:727:order.deleted"
    with pytest.raises(PayloadError, match="Topic"):
        woocommerce.parse_webhook(b'{"id": 727}', {})


# --- BigCommerce ---------------------------------------------------------------------------------------------

def test_bigcommerce_thin_webhook():
    body = (b'{"scope":"store/order/created","store_id":"1025646","data":{"type":"order","id":250},'
            b'"hash":"dd70c0976e06b67aaf671e73f49dcb79230ebf9d","created_at":1561479335,"producer":"stores/abc123"}')
    event = bigcommerce.parse_webhook(body, {})
    assert (event.topic, event.event_id, event.external_order_id) == (
        "order.created", "bigcommerce:dd70c0976e06b67aaf671e73f49dcb79230ebf9d", "250")
    status = {"scope": "store/order/statusUpdated", "hash": "h2", "data": {"type": "order", "id": 250,
                                                                             "status": {"previous_status_id": 11, "new_status_id": 5}}}
    assert bigcommerce.parse_webhook(json.dumps(status).encode(), {}).topic == "order.cancelled"
    status["data"]["status"]["new_status_id"] = 2
    assert bigcommerce.parse_webhook(json.dumps(status).encode(), {}).topic == "order.updated"
    archived = b'{"scope":"store/order/archived","hash":"h3","data":{"type":"order","id":250}}'
    assert bigcommerce.parse_webhook(archived, {}).topic == "order.cancelled"


@pytest.mark.parametrize("body", [
    b'{"scope":"store/order/created","data":{"type":"order","id":250}}',  # no hash
    b'{"scope":"store/order/created","hash":"h","data":[250]}',
    b'{"scope":"store/order/created","hash":"h","data":{"type":"order"}}',
    b'{"hash":"h","data":{"type":"order","id":250}}',
])
def test_bigcommerce_webhook_missing_fields_is_malformed(body):
    with pytest.raises(PayloadError):
        bigcommerce.parse_webhook(body, {})


def test_bigcommerce_assembled_order_normalizes():
    order = bigcommerce.normalize(payload("bigcommerce_order"))
    assert (order.external_id, order.order_number, order.email, order.customer_name) == ("250", "250", "jane@example.com", "Jane Roe")
    assert [(l.external_line_id, l.sku, l.quantity, l.unit_price, l.discount) for l in order.lines] == [
        ("17", "ACME-0003", 2, Decimal("18.00"), Decimal("0.00")), ("18", "ACME-0004", 1, Decimal("18.00"), Decimal("0.00"))]
    assert order.ship_to == NormalizedAddress(name="Jane Roe", company="Roe LLC", line1="455 Main Street", city="Austin",
                                              region="TX", postal_code="78751", country="US", phone="512-555-0100")
    assert (order.subtotal, order.shipping_total, order.tax_total, order.total) == (
        Decimal("54.00"), Decimal("8.00"), Decimal("4.32"), Decimal("66.32"))
    assert adds_up(order)
    assert (order.service_level, order.payment_status, order.is_cancelled, order.raw_status) == (
        "expedited", "paid", False, "Awaiting Fulfillment")
    assert order.channel_updated_at == datetime(2026, 11, 20, 16, 12, 44, tzinfo=UTC)


@pytest.mark.parametrize("status_id,payment,cancelled", [
    (0, "pending", False), (1, "pending", False), (7, "pending", False), (12, "pending", False), (11, "paid", False),
    (9, "paid", False), (2, "paid", False), (14, "paid", False), (4, "refunded", False), (6, "voided", False),
    (5, "voided", True),
])
def test_bigcommerce_status_ids_map_to_payment_and_cancellation(status_id, payment, cancelled):
    order = bigcommerce.normalize({**payload("bigcommerce_order"), "status_id": status_id})
    assert (order.payment_status, order.is_cancelled) == (payment, cancelled)


def test_bigcommerce_digital_products_are_not_shipped_and_an_unassembled_order_is_refused():
    data = payload("bigcommerce_order")
    data["products"][1]["type"] = "digital"
    assert [l.sku for l in bigcommerce.normalize(data).lines] == ["ACME-0003"]
    data["products"] = {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/250/products", "resource": "/orders/250/products"}
    with pytest.raises(PayloadError, match="fetch_order"):
        bigcommerce.normalize(data)


# --- malformed input, any kind -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe\x00garbage", b"null"])
def test_malformed_bodies_raise_payload_errors(kind, body):
    with pytest.raises(PayloadError):
        ADAPTERS[kind].parse_webhook(body, {"X-Shopify-Topic": "orders/create", "X-WC-Webhook-Topic": "order.created"})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("breakage", ["no id", "bad amount", "bad date"])
def test_broken_orders_raise_payload_errors_not_anything_else(kind, breakage):
    data = payload(FIXTURES[kind])
    if breakage == "no id":
        data.pop("id")
    elif breakage == "bad amount":
        data["current_total_price" if kind == "shopify" else "total" if kind == "woocommerce" else "total_inc_tax"] = {"amount": 1}
    else:
        data["updated_at" if kind == "shopify" else "date_modified_gmt" if kind == "woocommerce" else "date_modified"] = "soon"
    with pytest.raises(PayloadError):
        ADAPTERS[kind].normalize(data)


@pytest.mark.parametrize("description,level", [
    ("Express", "expedited"), ("EXPRESS", "expedited"), ("FEDEX_2_DAY", "expedited"), ("UPS 2nd Day Air", "expedited"),
    ("USPS Priority Mail", "expedited"), ("UPS Next Day Air", "overnight"), ("PRIORITY_OVERNIGHT", "overnight"),
    ("Next-Day Delivery", "overnight"), ("Flat rate flat_rate", "standard"), ("Free shipping", "standard"),
    ("USPS Ground Advantage", "standard"), ("", "standard"),
])
def test_service_level_from_shipping_titles_and_codes(description, level):
    assert service_level_from(description) == level


# --- clients against a real local storefront -----------------------------------------------------------------

def _client(kind, peer, bad=False, **options):
    secret = "wrong-secret-value" if bad else None
    if kind == "shopify":
        return shopify.ShopifyClient(peer.url, secret or peer.token, **options)
    if kind == "woocommerce":
        return woocommerce.WooCommerceClient(peer.url, peer.key, secret or peer.secret, **options)
    return bigcommerce.BigCommerceClient(peer.url, secret or peer.token, **options)


def _order(kind, n):
    """The kind's fixture as order 1000 + n, modified n minutes after the first."""
    if kind == "shopify":
        data = payload("shopify_order")
        data.update(id=1000 + n, name=f"#{1000 + n}", updated_at=f"2026-11-20T10:1{n}:00-05:00")
    elif kind == "woocommerce":
        data = payload("woocommerce_order")
        data.update(id=1000 + n, number=str(1000 + n), date_modified_gmt=f"2026-11-20T19:0{n}:24")
    else:
        data = payload("bigcommerce_order")
        data.update(id=1000 + n, date_modified=f"Fri, 20 Nov 2026 16:1{n}:44 +0000")
    return data


@pytest.mark.parametrize("kind", KINDS)
def test_fetch_order_returns_what_normalize_reads(kind):
    with StorefrontPeer(kind) as peer:
        peer.add_order(_order(kind, 1))
        fetched = _client(kind, peer).fetch_order("1001")
        assert ADAPTERS[kind].normalize(fetched) == ADAPTERS[kind].normalize(_order(kind, 1))
        with pytest.raises(PeerError) as missing:
            _client(kind, peer).fetch_order("999")
        assert missing.value.status == 404


def test_bigcommerce_fetch_order_assembles_the_order_its_products_and_shipping_addresses():
    with StorefrontPeer("bigcommerce") as peer:
        peer.add_order(payload("bigcommerce_order"))
        order = bigcommerce.BigCommerceClient(peer.url, peer.token).fetch_order("250")
        assert [p["sku"] for p in order["products"]] == ["ACME-0003", "ACME-0004"]
        assert order["shipping_addresses"][0]["zip"] == "78751"
        assert [(r["method"], r["path"]) for r in peer.requests] == [
            ("GET", "/stores/abc123/v2/orders/250"), ("GET", "/stores/abc123/v2/orders/250/products"),
            ("GET", "/stores/abc123/v2/orders/250/shipping_addresses")]
        assert all(r["headers"]["x-auth-token"] == peer.token for r in peer.requests)


@pytest.mark.parametrize("kind", KINDS)
def test_changed_since_listing_follows_pagination_and_moves_the_cursor(kind):
    options = {"page_size": 2} if kind == "bigcommerce" else {}
    with StorefrontPeer(kind, page_size=2) as peer:
        for n in (3, 0, 4, 1, 2):
            peer.add_order(_order(kind, n))
        client = _client(kind, peer, **options)
        orders, cursor = client.list_orders_changed_since(None)
        assert [str(o["id"]) for o in orders] == ["1000", "1001", "1002", "1003", "1004"]  # oldest first
        listing = "orders.json" if kind == "shopify" else "/orders"
        assert len([r for r in peer.requests if r["path"].endswith(listing)]) == 3  # pages of 2, 2 and 1
        assert all(isinstance(ADAPTERS[kind].normalize(o).lines, tuple) for o in orders)

        peer.add_order(_order(kind, 5))
        again, newer = client.list_orders_changed_since(cursor)
        # The newest order already seen comes again (the inbox drops it); older ones do not.
        assert [str(o["id"]) for o in again] == ["1004", "1005"]
        assert newer != cursor


def test_shopify_next_pages_keep_the_updated_at_filter():
    with StorefrontPeer("shopify", page_size=2) as peer:
        for n in range(7):
            peer.add_order(_order("shopify", n))
        orders, _ = shopify.ShopifyClient(peer.url, peer.token).list_orders_changed_since("2026-11-20T15:12:00Z")
        assert [o["id"] for o in orders] == [1002, 1003, 1004, 1005, 1006]
        first, *rest = peer.requests_to("orders.json")
        assert first["query"]["updated_at_min"] == "2026-11-20T15:12:00Z" and first["query"]["status"] == "any"
        assert all(set(r["query"]) == {"limit", "page_info"} for r in rest)


@pytest.mark.parametrize("kind", KINDS)
def test_set_available_reaches_the_storefront_and_is_recorded(kind):
    with StorefrontPeer(kind) as peer:
        peer.stock["SKU-1"] = 3
        _client(kind, peer).set_available("SKU-1", 7)
        assert peer.pushes == [("SKU-1", 7)] and peer.stock["SKU-1"] == 7
        write = peer.requests[-1]
        if kind == "shopify":
            change = write["json"]["variables"]["input"]["quantities"][0]
            assert (change["quantity"], change["compareQuantity"]) == (7, 3)
            assert write["json"]["variables"]["input"]["name"] == "available"
        elif kind == "woocommerce":
            assert (write["method"], write["json"]) == ("PUT", {"manage_stock": True, "stock_quantity": 7})
        else:
            assert write["path"].endswith("/v3/inventory/adjustments/absolute")
            assert write["json"]["items"] == [{"location_id": 1, "sku": "SKU-1", "quantity": 7}]


def test_shopify_set_available_reads_again_when_the_level_moved_and_gives_up_if_it_keeps_moving():
    with StorefrontPeer("shopify") as peer:
        peer.stock["SKU-1"] = 3
        peer.stale_compares = 1
        client = shopify.ShopifyClient(peer.url, peer.token)
        assert client.set_available("SKU-1", 7)["quantity"] == 7
        assert len([r for r in peer.requests if "inventorySetQuantities" in (r["json"] or {}).get("query", "")]) == 2
        peer.stale_compares = 5
        with pytest.raises(PeerError) as stuck:
            client.set_available("SKU-1", 8)
        assert stuck.value.status == 409 and peer.pushes == [("SKU-1", 7)]
        peer.stale_compares = 0
        assert client.set_available("gid://shopify/InventoryItem/SKU-1", 9)["previous"] == 7  # by inventory item
        assert peer.pushes[-1] == ("SKU-1", 9)


@pytest.mark.parametrize("kind,status", [("shopify", 404), ("woocommerce", 404), ("bigcommerce", 422)])
def test_set_available_for_an_unknown_sku_is_a_peer_error(kind, status):
    with StorefrontPeer(kind) as peer:
        with pytest.raises(PeerError) as unknown:
            _client(kind, peer).set_available("NOPE-1", 1)
        assert unknown.value.status == status and peer.pushes == []


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_credentials_and_a_down_storefront_are_peer_errors_without_credentials(kind):
    with StorefrontPeer(kind) as peer:
        peer.stock["SKU-1"] = 3
        client = _client(kind, peer)
        peer.down = True
        with pytest.raises(PeerError) as down:
            client.set_available("SKU-1", 8)
        assert (down.value.status, down.value.retry_after) == (503, 5.0)
        with pytest.raises(PeerError) as down_listing:
            client.list_orders_changed_since(None)
        assert down_listing.value.status == 503
        peer.down = False
        client.set_available("SKU-1", 8)
        assert peer.pushes == [("SKU-1", 8)]
        with pytest.raises(PeerError) as refused:
            _client(kind, peer, bad=True).list_orders_changed_since(None)
        assert refused.value.status == 401
        for error in (down.value, down_listing.value, refused.value):
            assert "wrong-secret-value" not in str(error) and peer.token not in str(error) and peer.secret not in str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_a_credential_that_ends_up_in_an_error_message_is_redacted(kind):
    with StorefrontPeer(kind) as peer:
        secret = peer.secret if kind == "woocommerce" else peer.token
        with pytest.raises(PeerError) as missing:
            _client(kind, peer).fetch_order(secret)  # the id lands in the path, and the path in the message
        assert missing.value.status == 404 and secret not in str(missing.value) and "[redacted]" in str(missing.value)


def test_an_unreachable_storefront_is_a_peer_error_without_status():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the client connects
    client = woocommerce.WooCommerceClient(f"http://127.0.0.1:{port}", "ck_live_key", "cs_live_secret", timeout=2)
    with pytest.raises(PeerError) as unreachable:
        client.fetch_order("1")
    assert unreachable.value.status is None and "cs_live_secret" not in str(unreachable.value)


def test_only_http_base_urls_are_accepted():
    with pytest.raises(ValueError, match="http"):
        HttpClient("file:///etc/passwd", {})
