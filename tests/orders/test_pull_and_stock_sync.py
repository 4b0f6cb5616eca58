import json
import time

import pytest
from django.conf import settings

from inventory.models import AvailabilityChange, StockLevel
from inventory.selectors import available_to_sell
from inventory.services.stock import stock_adjust, stock_receive
from orders.models import Channel, InboxDelivery, Order, StockPush
from orders.services.inbox import inbox_process
from orders.services.pull import channel_pull
from tests.factories import BinFactory, ProductFactory
from tests.orders.factories import ChannelFactory
from tests.orders.stock_sync import sync_stock_now
from tests.orders.storefront import payload, shopify_headers
from tests.orders.test_adapters import _order
from tests.peers.storefront import StorefrontPeer


def process_all():
    for delivery in InboxDelivery.objects.filter(status="received"):
        inbox_process(delivery_id=delivery.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["shopify", "woocommerce", "bigcommerce"])
def test_missed_webhooks_are_caught_up_by_the_pull_exactly_once(kind):
    channel = ChannelFactory(kind=kind, webhook_secret="whsec-123")
    for sku in ("ACME-0001", "ACME-0002", "ACME-0003", "ACME-0004", "BLOOM-0001", "BLOOM-0002"):
        ProductFactory(merchant=channel.merchant, sku=sku)
    with StorefrontPeer(kind, page_size=2) as peer:
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
        for n in range(3):
            peer.add_order(_order(kind, n))
        assert channel_pull(channel_id=channel.pk) == 3
        assert channel_pull(channel_id=channel.pk) == 0  # the cursor moved on; nothing new
        process_all()
        assert Order.objects.filter(channel=channel).count() == 3
        channel.refresh_from_db()
        Channel.objects.filter(pk=channel.pk).update(pull_cursor="")  # a full re-pull finds the same orders
        channel_pull(channel_id=channel.pk)
        process_all()
    assert Order.objects.filter(channel=channel).count() == 3
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["1000", "1001", "1002"]


@pytest.mark.django_db
def test_an_order_seen_by_webhook_and_by_pull_is_one_order(client):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-123")
    ProductFactory(merchant=channel.merchant, sku="ACME-0001")
    ProductFactory(merchant=channel.merchant, sku="ACME-0002")
    data = payload("shopify_order")
    body = json.dumps(data).encode()
    client.post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json", **shopify_headers("whsec-123", body))
    with StorefrontPeer("shopify") as peer:
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
        peer.add_order(data)
        channel_pull(channel_id=channel.pk)
        process_all()
    assert InboxDelivery.objects.count() == 2
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_stock_changes_push_the_final_available_to_the_storefront(settings):
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 0  # a failed push is due again at once (Retry-After included)
    settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS = 0  # and a changed SKU right after its last push
    channel = ChannelFactory(kind="woocommerce")
    product = ProductFactory(merchant=channel.merchant, sku="BLOOM-0001")
    bin_ = BinFactory()
    with StorefrontPeer("woocommerce") as peer:
        peer.stock["BLOOM-0001"] = 0
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
        stock_receive(product=product, bin=bin_, qty=12, actor=None)
        stock_adjust(product=product, bin=bin_, delta=-2, reason_code="lost", actor=None)
        assert AvailabilityChange.objects.filter(product=product).count() == 1  # coalesced
        assert sync_stock_now() == 1
        assert peer.pushes == [("BLOOM-0001", 10)]
        peer.down = True
        stock_adjust(product=product, bin=bin_, delta=-1, reason_code="lost", actor=None)
        assert sync_stock_now() == 0
        push = StockPush.objects.get(channel=channel, product=product)
        assert (push.status, push.attempts, push.sent_qty) == ("pending", 1, 10), "kept for the retry"
        peer.down = False
        sync_stock_now()
        assert peer.pushes[-1] == ("BLOOM-0001", 9)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_a_thousand_changes_becomes_a_few_pushes_ending_at_the_final_value(celery_worker):
    channel = ChannelFactory(kind="shopify")
    product = ProductFactory(merchant=channel.merchant, sku="ACME-HOT")
    bin_ = BinFactory()
    with StorefrontPeer("shopify") as peer:
        peer.stock["ACME-HOT"] = 0
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url, api_credentials=peer.credentials)
        stock_receive(product=product, bin=bin_, qty=2000, actor=None)
        started = time.monotonic()
        for n in range(1000):
            stock_adjust(product=product, bin=bin_, delta=-1 if n % 3 else 1, reason_code="cycle_count", actor=None)
        final = available_to_sell(product)

        def settled() -> bool:  # the last change is read, pushed and accepted, and nothing more is owed
            push = StockPush.objects.filter(channel=channel, product=product).first()
            return bool(peer.pushes and push and push.status == StockPush.Status.SENT and push.sent_qty == final
                        and not AvailabilityChange.objects.exists())

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not settled():
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert settled(), f"pushes seen: {peer.pushes[-3:]}"
        assert peer.pushes[-1] == ("ACME-HOT", final)
        # Coalesced and paced: at most one push per SKU and storefront per interval while the burst lasts, however
        # slow the machine is, and far fewer than one push per change.
        interval = settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS
        assert len(peer.pushes) <= elapsed / interval + 3, f"{len(peer.pushes)} pushes in {elapsed:.0f} s"
        assert len(peer.pushes) < 100, f"{len(peer.pushes)} pushes for 1001 changes"
    assert StockLevel.objects.get(product=product).available == final
