"""Channel stock pushes: per (channel, product) outbox rows delivered to real local storefront peers. One storefront
down holds back nobody else; its pushes are retried, or parked and pushed again from the outbox page; a burst of
changes is one push of the latest quantity; backorders fill in their own task."""

import datetime as dt
import threading
import time

import pytest
from django.db import connections
from django.urls import reverse

from core import roles
from inventory.selectors import available_to_sell
from inventory.services.stock import stock_adjust, stock_receive
from orders.models import Channel, Order, StockPush
from orders.services.allocation import order_allocate
from orders.services.stock_push import stock_changes_sync, stock_push_deliver
from tests.factories import BinFactory, ProductFactory, UserFactory
from tests.orders.factories import ChannelFactory, order_with_lines, storefront_channel
from tests.orders.stock_sync import sync_stock_now
from tests.peers.storefront import StorefrontPeer


def wait_for(condition, *, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def selling(peer, sku: str) -> Channel:
    peer.stock[sku] = 0
    return storefront_channel(peer)


def closed_url() -> str:
    peer = StorefrontPeer("woocommerce").start()
    peer.stop()  # nothing listens there any more: connections are refused
    return peer.url


@pytest.mark.django_db(transaction=True)
def test_one_storefront_down_holds_back_no_other_channel_and_gets_its_push_when_it_is_back(settings, celery_worker):
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 1  # the down storefront's 'Retry-After: 5' is capped to keep this short
    bin_ = BinFactory()
    with StorefrontPeer("shopify") as shopify, StorefrontPeer("woocommerce") as woo, StorefrontPeer("bigcommerce") as big:
        woo.go_down()
        skus = {shopify: "ACME-0001", woo: "BLOOM-0001", big: "ACME-0003"}
        products = {}
        for peer, sku in skus.items():
            channel = selling(peer, sku)  # one merchant per storefront
            products[peer] = ProductFactory(merchant=channel.merchant, sku=sku)
        for n, peer in enumerate((woo, shopify, big)):  # the down storefront's product changes first
            stock_receive(product=products[peer], bin=bin_, qty=10 + n, actor=None)

        wait_for(lambda: shopify.pushes == [("ACME-0001", 11)] and big.pushes == [("ACME-0003", 12)],
                 what="the storefronts that are up to get their stock")
        down_push = StockPush.objects.get(product=products[woo])
        wait_for(lambda: StockPush.objects.get(pk=down_push.pk).attempts >= 1, what="a failed attempt at the down one")
        down_push.refresh_from_db()
        assert down_push.status == StockPush.Status.PENDING and "503" in down_push.last_error
        assert woo.pushes == []
        assert set(StockPush.objects.exclude(pk=down_push.pk).values_list("status", flat=True)) == {"sent"}

        woo.come_up()
        wait_for(lambda: woo.pushes == [("BLOOM-0001", 10)], what="the push once the storefront is back")
        wait_for(lambda: StockPush.objects.get(pk=down_push.pk).status == StockPush.Status.SENT, what="the push recorded sent")
    assert not StockPush.objects.exclude(status=StockPush.Status.SENT).exists()


@pytest.mark.django_db
def test_a_closed_storefront_is_retried_then_parked_and_pushed_again_from_the_outbox_page(client, settings):
    settings.ORDERS_OUTBOX_MAX_ATTEMPTS = 2
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 0  # each retry is due at once
    channel = ChannelFactory(kind="woocommerce", api_base_url=closed_url(), api_credentials={"consumer_key": "ck_peer",
                                                                                              "consumer_secret": "cs_peer"})
    product = ProductFactory(merchant=channel.merchant, sku="BLOOM-0002")
    bin_ = BinFactory()
    stock_receive(product=product, bin=bin_, qty=7, actor=None)

    assert sync_stock_now() == 0
    push = StockPush.objects.get(channel=channel, product=product)
    assert (push.status, push.attempts) == ("pending", 1)
    assert sync_stock_now() == 0
    push.refresh_from_db()
    assert (push.status, push.attempts) == ("failed", 2)
    assert sync_stock_now() == 0 and StockPush.objects.get(pk=push.pk).attempts == 2, "parked: not tried again"

    # The next change of the SKU tries a parked push once more (still closed: parked again after one call).
    stock_adjust(product=product, bin=bin_, delta=-1, reason_code="lost", actor=None)
    assert sync_stock_now() == 0
    push.refresh_from_db()
    assert (push.status, push.attempts) == ("failed", 3)

    client.force_login(UserFactory(role=roles.OPS_MANAGER))
    page = client.get(reverse("orders:outbox")).content.decode()
    assert "BLOOM-0002" in page and "Failed, parked for an operator" in page and "<button>Push again</button>" in page
    with StorefrontPeer("woocommerce") as peer:
        peer.stock["BLOOM-0002"] = 0
        Channel.objects.filter(pk=channel.pk).update(api_base_url=peer.url)  # the operator fixed the address
        answer = client.post(reverse("orders:stock_push_retry", args=[push.pk]))
        assert answer.status_code == 302
        push.refresh_from_db()
        assert (push.status, push.attempts) == ("pending", 0)
        assert sync_stock_now() == 1
        assert peer.pushes == [("BLOOM-0002", 6)]
    push.refresh_from_db()
    assert (push.status, push.sent_qty) == ("sent", 6)
    assert "BLOOM-0002" not in client.get(reverse("orders:outbox")).content.decode()
    answer = client.post(reverse("orders:stock_push_retry", args=[push.pk]), follow=True)
    assert "was already sent" in answer.content.decode()


@pytest.mark.django_db
def test_a_burst_of_changes_is_one_push_per_channel_carrying_the_latest_quantity(settings):
    bin_ = BinFactory()
    with StorefrontPeer("shopify") as shopify, StorefrontPeer("woocommerce") as woo:
        first = selling(shopify, "ACME-0002")
        second = selling(woo, "ACME-0002")
        Channel.objects.filter(pk=second.pk).update(merchant=first.merchant)  # one merchant, two storefronts
        product = ProductFactory(merchant=first.merchant, sku="ACME-0002")
        stock_receive(product=product, bin=bin_, qty=40, actor=None)
        for n in range(30):
            stock_adjust(product=product, bin=bin_, delta=1 if n % 3 == 0 else -1, reason_code="cycle_count", actor=None)
        final = available_to_sell(product)
        assert final == 30
        assert sync_stock_now() == 2
        assert shopify.pushes == [("ACME-0002", final)]
        assert woo.pushes == [("ACME-0002", final)]
        assert sync_stock_now() == 0, "nothing changed since"
        stock_adjust(product=product, bin=bin_, delta=-1, reason_code="lost", actor=None)
        assert sync_stock_now() == 0, "a SKU is pushed again no sooner than the minimum interval after its last push"
        push = StockPush.objects.get(channel=first, product=product)
        assert push.status == StockPush.Status.PENDING
        assert push.next_attempt_at == push.sent_at + dt.timedelta(seconds=settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS)
    assert StockPush.objects.filter(product=product).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_change_while_the_push_is_on_the_wire_is_sent_right_after_it(settings):
    settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS = 0
    bin_ = BinFactory()
    with StorefrontPeer("woocommerce") as peer:
        channel = selling(peer, "BLOOM-0001")
        product = ProductFactory(merchant=channel.merchant, sku="BLOOM-0001")
        stock_receive(product=product, bin=bin_, qty=5, actor=None)
        stock_changes_sync()
        push = StockPush.objects.get(product=product)
        results = []

        def deliver():
            try:
                results.append(stock_push_deliver(push_id=push.pk))
            finally:
                connections.close_all()

        with peer.lock:  # the storefront takes the request and sits on it
            thread = threading.Thread(target=deliver)
            thread.start()
            wait_for(lambda: StockPush.objects.get(pk=push.pk).leased_until is not None, what="the push to be in flight")
            stock_adjust(product=product, bin=bin_, delta=2, reason_code="found", actor=None)
            stock_changes_sync()
        thread.join(30)
        assert results == ["resend"]
        push.refresh_from_db()
        assert push.status == StockPush.Status.PENDING and push.next_attempt_at <= push.sent_at
        assert stock_push_deliver(push_id=push.pk) == "sent"
        # The first call read the quantity after its claim, so it carried 5 or already 7; the last one carries 7.
        assert len(peer.pushes) == 2 and peer.pushes[-1] == ("BLOOM-0001", 7)
    assert StockPush.objects.get(pk=push.pk).status == StockPush.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_backorders_are_filled_by_their_own_task_when_stock_arrives_even_with_the_storefront_down(celery_worker):
    bin_ = BinFactory()
    with StorefrontPeer("bigcommerce") as peer:
        channel = selling(peer, "ACME-0004")
        peer.go_down()
        product = ProductFactory(merchant=channel.merchant, sku="ACME-0004")
        order = order_with_lines(channel=channel, lines=[(product, 3)])
        assert order_allocate(order_id=order.pk).status == Order.Status.BACKORDERED

        stock_receive(product=product, bin=bin_, qty=5, actor=None)

        wait_for(lambda: Order.objects.get(pk=order.pk).status in (Order.Status.ALLOCATED, Order.Status.RELEASED),
                 what="the backorder to be filled")
        wait_for(lambda: StockPush.objects.filter(product=product, attempts__gte=1).exists(), what="a failed push")
        assert StockPush.objects.get(product=product).status == StockPush.Status.PENDING
        assert peer.pushes == []
    assert available_to_sell(product) == 2
