"""Webhook endpoints: verified on the raw body, stored once, processed by a real Celery worker."""

import json
import time

import pytest
from django.test import Client

from orders.models import Channel, InboxDelivery, Order
from orders.services.inbox import inbox_process
from tests.concurrency import run_in_threads
from tests.factories import ProductFactory
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import bigcommerce_body, payload, shopify_headers, sign, woocommerce_headers
from tests.peers.storefront import StorefrontPeer


def shop_with_products(kind="shopify", skus=("ACME-0001", "ACME-0002", "ACME-0003", "ACME-0004")):
    channel = ChannelFactory(kind=kind, webhook_secret="whsec-123")
    for sku in skus:
        ProductFactory(merchant=channel.merchant, sku=sku)
    return channel


def post(client, channel, body: bytes, headers: dict, kind=None):
    return client.post(f"/webhooks/{kind or channel.kind}/{channel.pk}/", data=body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_a_signed_shopify_order_is_stored_and_processed_into_one_order(client):
    channel = shop_with_products()
    body = json.dumps(payload("shopify_order")).encode()
    response = post(client, channel, body, shopify_headers("whsec-123", body, event_id="evt-1"))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    delivery = InboxDelivery.objects.get()
    assert delivery.topic == "order.created" and delivery.body == body.decode()
    assert "X-Shopify-Hmac-Sha256" in delivery.headers
    assert inbox_process(delivery_id=delivery.pk) == "created"
    order = Order.objects.get()
    assert (order.order_number, order.status, order.service_level) == ("#1001", "pending", "expedited")
    assert inbox_process(delivery_id=delivery.pk) == "processed"  # safe to run twice
    assert Order.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mutate,status,error",
    [
        (lambda h, b: {**h, "HTTP_X_SHOPIFY_HMAC_SHA256": sign("wrong", b)}, 401, "authentication failed"),
        (lambda h, b: {k: v for k, v in h.items() if k != "HTTP_X_SHOPIFY_HMAC_SHA256"}, 401, "missing"),
    ],
)
def test_forged_or_missing_signatures_are_refused_logged_and_store_nothing(client, caplog, mutate, status, error):
    channel = shop_with_products()
    body = json.dumps(payload("shopify_order")).encode()
    response = post(client, channel, body, mutate(shopify_headers("whsec-123", body), body))
    assert response.status_code == status and error in response.json()["error"]
    assert "webhook refused" in caplog.text
    assert not InboxDelivery.objects.exists() and not Order.objects.exists()


@pytest.mark.django_db
def test_wrong_channel_malformed_json_empty_and_huge_bodies_are_4xx(client):
    channel = shop_with_products()
    other = ChannelFactory(kind="woocommerce", webhook_secret="whsec-123")
    good = json.dumps(payload("shopify_order")).encode()
    assert post(client, channel, good, shopify_headers("whsec-123", good), kind="bigcommerce").status_code == 404
    assert client.post(f"/webhooks/shopify/{other.pk}/", data=good, content_type="application/json",
                       **shopify_headers("whsec-123", good)).status_code == 404
    assert client.post("/webhooks/shopify/999999/", data=good, content_type="application/json").status_code == 404
    malformed = b'{"id": 1, "line_items": ['
    assert post(client, channel, malformed, shopify_headers("whsec-123", malformed)).status_code == 400
    assert post(client, channel, b"", shopify_headers("whsec-123", b"")).status_code == 400
    huge = b'{"id": 1, "pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    assert post(client, channel, huge, shopify_headers("whsec-123", huge)).status_code == 413
    assert client.get(f"/webhooks/shopify/{channel.pk}/").status_code == 405
    assert not InboxDelivery.objects.exists() and not Order.objects.exists()


@pytest.mark.django_db
def test_a_delivery_triggered_long_ago_is_refused_as_a_replay(client):
    channel = shop_with_products()
    body = json.dumps(payload("shopify_order")).encode()
    response = post(client, channel, body, shopify_headers("whsec-123", body, triggered_at="2020-01-01T00:00:00Z"))
    assert response.status_code == 400 and "replay window" in response.json()["error"]
    assert not InboxDelivery.objects.exists()


@pytest.mark.django_db
def test_woocommerce_ping_gets_200_and_creates_nothing(client):
    channel = shop_with_products("woocommerce")
    response = client.post(f"/webhooks/woocommerce/{channel.pk}/", data="webhook_id=12",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not InboxDelivery.objects.exists()


@pytest.mark.django_db
def test_woocommerce_retry_with_a_new_delivery_id_is_the_same_event(client):
    channel = shop_with_products("woocommerce", skus=("BLOOM-0001", "BLOOM-0002"))
    body = json.dumps(payload("woocommerce_order")).encode()
    first = post(client, channel, body, woocommerce_headers("whsec-123", body))
    second = post(client, channel, body, woocommerce_headers("whsec-123", body))
    assert (first.json()["status"], second.json()["status"]) == ("accepted", "duplicate")
    assert InboxDelivery.objects.get().duplicates == 1


@pytest.mark.django_db
def test_bigcommerce_webhook_fetches_the_order_from_the_store_api(client):
    channel = shop_with_products("bigcommerce")
    with StorefrontPeer("bigcommerce") as peer:
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
        peer.add_order(payload("bigcommerce_order"))
        body = bigcommerce_body(250)
        response = post(client, channel, body, {"HTTP_X_WMS_WEBHOOK_SECRET": "whsec-123"})
        assert response.status_code == 200
        assert post(client, channel, body, {"HTTP_X_WMS_WEBHOOK_SECRET": "nope"}).status_code == 401
        inbox_process(delivery_id=InboxDelivery.objects.get().pk)
    order = Order.objects.get()
    assert (order.external_id, order.ship_city, order.lines.count()) == ("250", "Austin", 2)


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_twenty_times_at_once_creates_one_order_via_a_real_worker(celery_worker):
    channel = shop_with_products()
    body = json.dumps(payload("shopify_order")).encode()
    headers = shopify_headers("whsec-123", body, event_id="evt-concurrent")

    def deliver(_):
        return post(Client(), channel, body, headers).status_code

    assert run_in_threads(deliver, 20) == [200] * 20
    retry = dict(shopify_headers("whsec-123", body, event_id="evt-retry-new-id"))  # a retry under a new id
    assert post(Client(), channel, body, retry).status_code == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and InboxDelivery.objects.exclude(status__in=["processed", "ignored"]).exists():
        time.sleep(0.2)
    assert InboxDelivery.objects.count() == 2
    assert set(InboxDelivery.objects.values_list("status", flat=True)) <= {"processed", "ignored"}
    assert Order.objects.count() == 1
    assert InboxDelivery.objects.get(dedup_key="shopify:orders/create:evt-concurrent").duplicates == 19


@pytest.mark.django_db(transaction=True)
def test_a_failing_delivery_is_retried_then_parked_for_an_operator_who_replays_it(celery_worker, settings):
    channel = shop_with_products("bigcommerce")
    Channel.objects.filter(pk=channel.pk).update(api_base_url="http://127.0.0.1:9/stores/x", api_credentials={"access_token": "t"})
    from orders import tasks

    original = tasks.MAX_PROCESSING_RETRIES
    tasks.process_delivery.max_retries = 1
    try:
        body = bigcommerce_body(250)
        assert post(Client(), channel, body, {"HTTP_X_WMS_WEBHOOK_SECRET": "whsec-123"}).status_code == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and InboxDelivery.objects.get().status != "parked":
            time.sleep(0.3)
        delivery = InboxDelivery.objects.get()
        assert delivery.status == "parked" and "PeerError" in delivery.last_error and delivery.attempts == 2
        with StorefrontPeer("bigcommerce") as peer:
            peer.add_order(payload("bigcommerce_order"))
            Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
            from orders.services.inbox import inbox_replay

            inbox_replay(delivery_id=delivery.pk, actor="ops")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and InboxDelivery.objects.get().status != "processed":
                time.sleep(0.2)
        assert InboxDelivery.objects.get().status == "processed"
        assert Order.objects.get().external_id == "250"
    finally:
        tasks.process_delivery.max_retries = original


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [40, 5000, 200000])
def test_a_signed_body_of_deeply_nested_json_is_refused_with_400(client, depth):
    channel = shop_with_products()
    order = payload("shopify_order")
    order["note_attributes"] = json.loads("[" * depth + "]" * depth) if depth < 1000 else []
    body = json.dumps(order).encode()
    if depth >= 1000:
        body = body[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    response = post(client, channel, body, shopify_headers("whsec-123", body))
    assert response.status_code == 400 and "nested" in response.json()["error"]
    assert not InboxDelivery.objects.exists()


@pytest.mark.django_db
def test_the_shop_domain_must_be_the_channels_shop(client):
    channel = shop_with_products()
    Channel.objects.filter(pk=channel.pk).update(store_identity="acme-outdoor.myshopify.com")
    body = json.dumps(payload("shopify_order")).encode()
    other = {**shopify_headers("whsec-123", body), "HTTP_X_SHOPIFY_SHOP_DOMAIN": "evil-shop.myshopify.com"}
    response = post(client, channel, body, other)
    assert response.status_code == 401 and "shop domain" in response.json()["error"]
    missing = {k: v for k, v in shopify_headers("whsec-123", body).items() if k != "HTTP_X_SHOPIFY_SHOP_DOMAIN"}
    assert post(client, channel, body, missing).status_code == 401
    assert not InboxDelivery.objects.exists()
    assert post(client, channel, body, shopify_headers("whsec-123", body)).status_code == 200


@pytest.mark.django_db
def test_a_delivery_triggered_in_the_future_is_refused(client):
    channel = shop_with_products()
    body = json.dumps(payload("shopify_order")).encode()
    response = post(client, channel, body, shopify_headers("whsec-123", body, triggered_at="2036-01-01T00:00:00Z"))
    assert response.status_code == 400 and "future" in response.json()["error"]
    assert not InboxDelivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("order_id", [{"id": 1}, [1, 2], True, 1.5])
def test_an_order_id_that_is_not_a_string_or_number_is_refused(client, order_id):
    channel = shop_with_products()
    order = payload("shopify_order")
    order["id"] = order_id
    body = json.dumps(order).encode()
    response = post(client, channel, body, shopify_headers("whsec-123", body))
    assert response.status_code == 400, response.content
    assert not InboxDelivery.objects.exists() and not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{"price": "-10.00"}, {"quantity": 2**31, "current_quantity": 2**31},
                                    {"price": "99999999999.00"}])
def test_a_deterministic_data_error_is_parked_at_once_and_stores_no_order(client, change):
    from orders import tasks

    channel = shop_with_products()
    order = payload("shopify_order")
    order["line_items"][0].update(change)
    body = json.dumps(order).encode()
    assert post(client, channel, body, shopify_headers("whsec-123", body)).status_code == 200
    delivery = InboxDelivery.objects.get()
    tasks.process_delivery.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("parked", 1), delivery.last_error
    assert "cannot be stored" in delivery.last_error
    assert not Order.objects.exists()
