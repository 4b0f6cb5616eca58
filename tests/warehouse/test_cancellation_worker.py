"""The cancellation saga with real processes around it: the OMS queues the warehouse's task after commit by
name, a real Celery worker runs it, the storefront peer hears "cancelled" once; a request whose task was
lost (broker emptied) is finished by the beat sweep; labels bought through an EasyPost-like API are refunded
there, and a refused refund refuses the cancel."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from core import roles
from inventory.models import StockLevel
from orders.models import FulfillmentOrder, Order, OrderEvent, OutboxKind, OutboxMessage
from orders.services.allocation import order_allocate
from orders.services.cancellation import order_cancel
from shipping.carrier_accounts import _accounts
from shipping.models import Shipment
from tests.factories import ProductFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import order_from_storefront, storefront_channel
from tests.orders.test_adapters import _order
from tests.peers.storefront import StorefrontPeer
from tests.shipping.easypost_peer import EasyPostPeer
from tests.warehouse.cancelling import warehouse_acts_on_cancels
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, put
from warehouse.outbound.services.packing import pack_scan, pack_start
from warehouse.outbound.services.waves import wave_plan

SKUS = ("ACME-0001", "ACME-0002")


def wait_for(condition, what: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {what}")


def in_a_wave(peer):
    ps = build_pick_site()
    channel = storefront_channel(peer, merchant=ps.merchant)
    for sku in SKUS:
        put(ProductFactory(merchant=ps.merchant, sku=sku), ps.shelves[0], 10)
    data = _order(peer.kind, 0)
    peer.add_order(data)
    order = order_from_storefront(channel, data)
    order_allocate(order_id=order.pk)
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.IN_WAVE
    return ps, order


def cancelled_at(order) -> bool:
    return Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_stops_the_work_and_the_storefront_hears_cancelled_once(celery_worker):
    with StorefrontPeer("shopify") as peer:
        ps, order = in_a_wave(peer)
        wait_for(lambda: not OutboxMessage.objects.filter(order=order, status="pending").exists(), "allocated sent")
        order_cancel(order=order, actor=UserFactory(role=roles.CUSTOMER_SERVICE), reason="customer asked")
        wait_for(lambda: cancelled_at(order), "the warehouse reported back")
        wait_for(lambda: OutboxMessage.objects.filter(order=order, kind=OutboxKind.CANCELLED, status="sent").exists(),
                 "cancelled sent")
        time.sleep(1)  # a second delivery, if one were queued, would arrive by now
        assert [u["kind"] for u in peer.updates_for(order.external_id)].count("cancel") == 1
    assert OutboxMessage.objects.filter(order=order, kind=OutboxKind.CANCELLED).count() == 1
    assert all(level.allocated == 0 for level in StockLevel.objects.all())
    assert_stock_invariants()


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_task_was_lost_is_finished_by_the_beat_sweep():
    from celery.contrib.testing.worker import start_worker

    from orders.tasks import sweep_fulfillment_cancels
    from wms_project.celery import app

    assert app.conf.beat_schedule["orders-fulfillment-cancel-sweep"] == {
        "task": "orders.sweep_fulfillment_cancels", "schedule": 60.0}
    with StorefrontPeer("shopify") as peer:
        ps, order = in_a_wave(peer)
        app.control.purge()
        order_cancel(order=order, actor="customer service", reason="customer asked")
        assert app.control.purge() >= 1  # the broker loses the queued task (a non-persistent restart)
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            time.sleep(1)
            assert not cancelled_at(order)  # nobody is working on it
            sweep_fulfillment_cancels.delay()
            time.sleep(1)
            assert not cancelled_at(order)  # too recent: maybe still in flight
            FulfillmentOrder.objects.filter(order=order).update(cancel_requested_at=timezone.now() - dt.timedelta(minutes=3))
            sweep_fulfillment_cancels.delay()
            wait_for(lambda: cancelled_at(order), "swept and stopped")
    assert OutboxMessage.objects.filter(order=order, kind=OutboxKind.CANCELLED).count() == 1
    assert_stock_invariants()


@pytest.fixture
def carrier_api(settings):
    with EasyPostPeer() as peer:
        settings.SHIPPING_API_URL, settings.SHIPPING_API_KEY = peer.url, peer.api_key
        _accounts.cache_clear()
        yield peer
    _accounts.cache_clear()


def labelled_through(ps, lines):
    packer = UserFactory(role=roles.PACKER)
    order, tote = picked(ps, lines)
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    for item, qty in lines:
        pack_scan(pack=pack, raw=f"x{qty}", actor=packer)
        pack_scan(pack=pack, raw=item.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    return order


@pytest.mark.django_db
def test_a_label_bought_through_the_carrier_api_is_refunded_there(carrier_api):
    ps = build_pick_site()
    carton_types()
    shirt = ProductFactory(merchant=ps.merchant)
    order = labelled_through(ps, [(shirt, 1)])
    shipment = Shipment.objects.get()

    order_cancel(order=order, actor="customer service", reason="customer asked")
    warehouse_acts_on_cancels(order)

    assert [r["tracking_code"] for r in carrier_api.refunds] == [shipment.tracking_number]
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == Shipment.Status.VOIDED and order.status == Order.Status.CANCELLED
    assert StockLevel.objects.get(product=shirt).allocated == 0
    assert_stock_invariants()


@pytest.mark.django_db
def test_a_refund_the_carrier_refuses_refuses_the_cancel_and_the_order_carries_on(carrier_api):
    ps = build_pick_site()
    carton_types()
    shirt = ProductFactory(merchant=ps.merchant)
    order = labelled_through(ps, [(shirt, 1)])
    carrier_api.refuse_refunds = True  # the parcel was already scanned
    before = StockLevel.objects.filter(product=shirt).values().get()

    order_cancel(order=order, actor="customer service", reason="customer asked")
    (done,) = warehouse_acts_on_cancels(order)

    assert done.startswith("refused: ") and "refused to void" in done
    fulfillment = FulfillmentOrder.objects.get(order=order)
    assert (fulfillment.status, fulfillment.cancel_requested_at) == (FulfillmentOrder.Status.PACKED, None)
    assert Shipment.objects.get().status == Shipment.Status.LABELLED
    assert "refused to void" in OrderEvent.objects.get(order=order, kind="cancel_refused").message
    order.refresh_from_db()
    assert order.status != Order.Status.CANCELLED
    assert StockLevel.objects.filter(product=shirt).values().get() == before
    assert_stock_invariants()
