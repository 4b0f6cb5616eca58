"""Storefront sync-back: allocated, shipped (carrier and tracking), delivered and cancelled reach a real local
HTTP server playing each storefront, once each, in order per order, even when it was down for a while."""

import re
import time

import pytest
from django.db import transaction

from inventory.services.stock import stock_receive
from orders.models import Order, OrderEvent, OutboxMessage, RoutingPolicy
from orders.selectors import outbox_due_ids
from orders.services import outbox as outbox_service
from orders.services.allocation import order_allocate
from orders.services.cancellation import order_cancel
from orders.services.outbox import backoff_seconds, outbox_deliver, outbox_record
from orders.services.shipment_events import order_mark_delivered, order_mark_shipped
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.orders.factories import ChannelFactory, order_from_storefront, order_with_lines, storefront_channel
from tests.orders.test_adapters import _order
from tests.peers.storefront import StorefrontPeer

KINDS = ["shopify", "woocommerce", "bigcommerce"]
SKUS = {"shopify": ("ACME-0001", "ACME-0002"), "woocommerce": ("BLOOM-0001", "BLOOM-0002"),
        "bigcommerce": ("ACME-0003", "ACME-0004")}
# The fixtures' storefront line ids and quantities, per SKU.
LINES = {"shopify": {"ACME-0001": ("466157049", 1), "ACME-0002": ("518995019", 3)},
         "woocommerce": {"BLOOM-0001": ("315", 2), "BLOOM-0002": ("316", 1)},
         "bigcommerce": {"ACME-0003": ("17", 2), "ACME-0004": ("18", 1)}}
TRACKING = "1Z999AA10123456784"
TRACKING_URL = f"https://www.ups.com/track?tracknum={TRACKING}"


def stocked_channel(peer, *, split=False):
    """A storefront channel on the peer, with its fixture SKUs in stock: in one warehouse, or (split) the first
    SKU in one warehouse and the second in another, with splits allowed, so each order ships in two parcels."""
    channel = storefront_channel(peer)
    products = [ProductFactory(merchant=channel.merchant, sku=sku) for sku in SKUS[peer.kind]]
    if split:
        RoutingPolicy.objects.create(merchant=channel.merchant, allow_split=True)
        for product in products:
            stock_receive(product=product, bin=BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory())), qty=100, actor=None)
    else:
        bin_ = BinFactory()
        for product in products:
            stock_receive(product=product, bin=bin_, qty=100, actor=None)
    return channel


def released_order(peer, channel, n=0) -> Order:
    data = _order(peer.kind, n)
    peer.add_order(data)
    order = order_from_storefront(channel, data)
    order_allocate(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED
    return order


def ship(order, fulfillment=None, tracking=TRACKING):
    fulfillment = fulfillment or order.fulfillment_orders.get()
    return order_mark_shipped(order=order, fulfillment_order=fulfillment, carrier="UPS", service="Ground",
                              tracking_number=tracking, tracking_url=f"https://www.ups.com/track?tracknum={tracking}",
                              actor="packer")


def sweep(rounds=1):
    """What the beat sweep and the delivery tasks do, inline: each round delivers whatever is due."""
    results = []
    for _ in range(rounds):
        results += [outbox_deliver(message_id=pk) for pk in outbox_due_ids()]
    return results


def sweep_until_quiet():
    results = []
    for _ in range(20):
        done = sweep()
        if not done:
            return results
        results += done
    raise AssertionError(f"the outbox never settled: {results[-10:]}")


def kinds_sent(order):
    return list(OutboxMessage.objects.filter(order=order).order_by("sequence").values_list("sequence", "kind", "status"))


# --- each storefront gets the right shape -----------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_shipped_with_tracking_arrives_at_the_storefront_in_its_own_shape(kind):
    with StorefrontPeer(kind) as peer:
        channel = stocked_channel(peer)
        order = released_order(peer, channel)
        ship(order)
        assert sweep_until_quiet() == ["sent", "sent"]
        assert kinds_sent(order) == [(1, "allocated", "sent"), (2, "shipped", "sent")]
        updates = peer.updates_for(order.external_id)
        by_sku = LINES[kind]

        if kind == "shopify":
            graphql = peer.requests_to("/graphql.json")
            assert all(r["path"] == "/admin/api/2024-10/graphql.json" for r in graphql)
            assert "fulfillmentCreate(" in graphql[-1]["json"]["query"]
            assert updates == [{
                "order": order.external_id, "kind": "fulfillment", "notify": True,
                "tracking": {"company": "UPS", "number": TRACKING, "url": TRACKING_URL},
                "lines": dict(by_sku.values()),
            }]
            assert OutboxMessage.objects.get(order=order, kind="allocated").result.startswith("nothing to send")
            assert not peer.requests_to("/fulfillments.json"), "REST fulfillments are legacy"
        elif kind == "woocommerce":
            # Allocated maps to "processing", which a paid WooCommerce order already is: nothing written.
            note, status = updates
            assert note["kind"] == "note" and note["customer_note"] is True
            assert TRACKING in note["note"] and TRACKING_URL in note["note"] and "UPS Ground" in note["note"]
            assert "2 x BLOOM-0001" in note["note"] and "1 x BLOOM-0002" in note["note"]
            assert status == {"order": order.external_id, "kind": "status", "status": "completed", "was": "processing"}
            assert peer.orders[order.external_id]["status"] == "completed"
        else:
            # Allocated is "Awaiting Fulfillment" (11), which the order already is: nothing written.
            assert updates == [{
                "order": order.external_id, "kind": "shipment", "tracking_number": TRACKING,
                "shipping_provider": "ups", "tracking_carrier": "ups",
                "items": [{"order_product_id": int(line_id), "quantity": qty} for line_id, qty in by_sku.values()],
            }]
            shipment = peer.shipments[order.external_id][0]
            assert shipment["order_address_id"] == 9 and shipment["shipping_method"] == "Ground"
            assert peer.orders[order.external_id]["status_id"] == 2
    fulfillment = order.fulfillment_orders.get()
    assert (fulfillment.status, fulfillment.carrier, fulfillment.tracking_number) == ("shipped", "UPS", TRACKING)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_cancellation_by_customer_service_arrives_at_the_storefront(kind):
    with StorefrontPeer(kind) as peer:
        channel = stocked_channel(peer)
        order = released_order(peer, channel)
        order_cancel(order=order, actor="customer service", reason="customer changed their mind")
        sweep_until_quiet()
        assert kinds_sent(order) == [(1, "allocated", "sent"), (2, "cancelled", "sent")]
        updates = peer.updates_for(order.external_id)
        if kind == "shopify":
            assert updates == [{"order": order.external_id, "kind": "cancel", "reason": "OTHER", "refund": False,
                                "restock": False, "staff_note": "Cancelled by the warehouse: customer changed their mind"}]
            assert peer.orders[order.external_id]["cancelled_at"]
        elif kind == "woocommerce":
            assert [u["kind"] for u in updates] == ["status", "note"]
            assert updates[0]["status"] == "cancelled" and "customer changed their mind" in updates[1]["note"]
            assert updates[1]["customer_note"] is False
        else:
            assert updates == [{"order": order.external_id, "kind": "status", "status_id": 5, "was": 11}]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_delivered_arrives_after_shipped(kind):
    with StorefrontPeer(kind) as peer:
        order = released_order(peer, stocked_channel(peer))
        ship(order)
        order_mark_delivered(order=order, actor="carrier tracking")
        sweep_until_quiet()
        assert [k for _, k, _ in kinds_sent(order)] == ["allocated", "shipped", "delivered"]
        last = peer.updates_for(order.external_id)[-1]
        if kind == "shopify":
            assert (last["kind"], last["status"]) == ("fulfillment_event", "DELIVERED")
            assert peer.fulfillments[order.external_id][0]["deliveredAt"]
        elif kind == "woocommerce":
            assert last["kind"] == "note" and TRACKING in last["note"] and last["note"].startswith("Delivered")
        else:
            assert last == {"order": order.external_id, "kind": "status", "status_id": 10, "was": 2}


@pytest.mark.django_db
def test_a_cancellation_that_came_from_the_storefront_is_not_sent_back_and_api_orders_have_no_outbox():
    with StorefrontPeer("woocommerce") as peer:
        channel = stocked_channel(peer)
        data = _order("woocommerce", 0)
        order = released_order(peer, channel)
        order_from_storefront(channel, {**data, "status": "cancelled", "date_modified_gmt": "2026-11-21T10:00:00"})
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
        assert [k for _, k, _ in kinds_sent(order)] == ["allocated"]

    product = ProductFactory()
    stock_receive(product=product, bin=BinFactory(), qty=5, actor=None)
    api_order = order_with_lines(channel=ChannelFactory(merchant=product.merchant, kind="api"), lines=[(product, 1)])
    order_allocate(order_id=api_order.pk)
    order_cancel(order=api_order, actor="cs", reason="duplicate")
    assert not OutboxMessage.objects.filter(order=api_order).exists()


# --- the write is part of the change ----------------------------------------------------------------------

class Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_outbox_row_and_schedules_nothing(django_capture_on_commit_callbacks):
    with StorefrontPeer("shopify") as peer:
        order = released_order(peer, stocked_channel(peer))
        before = OutboxMessage.objects.count()
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom), transaction.atomic():
            ship(order)
            assert OutboxMessage.objects.count() == before + 1
            raise Boom
        assert OutboxMessage.objects.count() == before
        assert callbacks == []
        order.refresh_from_db()
        assert order.status == Order.Status.RELEASED and order.fulfillment_orders.get().status == "released"

        with django_capture_on_commit_callbacks() as callbacks:
            ship(order)
        assert OutboxMessage.objects.count() == before + 1
        assert len(callbacks) == 1, "delivery is queued only once the change is committed"


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    order = order_with_lines(channel=ChannelFactory(kind="shopify", api_base_url="http://127.0.0.1:9"),
                             lines=[(ProductFactory(), 1)])
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_record(order=order, kind="shipped", payload={})
    assert not OutboxMessage.objects.exists()


# --- retries, order, parking --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_while_the_peer_is_down_only_the_first_update_of_each_order_is_tried_then_all_arrive_in_order(settings):
    settings.ORDERS_OUTBOX_RETRY_BASE_SECONDS = 0
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 0
    settings.ORDERS_OUTBOX_MAX_ATTEMPTS = 50
    with StorefrontPeer("bigcommerce") as peer:
        channel = stocked_channel(peer, split=True)
        orders = [released_order(peer, channel, n) for n in range(3)]
        to_cancel = released_order(peer, channel, 3)
        sweep_until_quiet()
        peer.go_down()
        for step in range(2):
            for order in orders:
                ship(order, order.fulfillment_orders.order_by("pk")[step], tracking=f"TRK-{order.pk}-{step}")
        order_mark_delivered(order=orders[0], actor="carrier")
        order_cancel(order=to_cancel, actor="cs", reason="out of stock")

        assert set(sweep(rounds=4)) == {"retrying"}
        pending = OutboxMessage.objects.filter(status="pending").order_by("order_id", "sequence")
        assert pending.count() == 8
        heads = {o: min(m.sequence for m in pending if m.order_id == o) for o in {m.order_id for m in pending}}
        for message in pending:
            expected = 4 if message.sequence == heads[message.order_id] else 0
            assert message.attempts == expected, "an update waits for its order's earlier one, trying nothing"
        assert "answered 503" in pending.first().last_error
        assert peer.updates == []

        peer.come_up()
        sweep_until_quiet()
        assert not OutboxMessage.objects.exclude(status="sent").exists()
        for order in orders:
            shipments = [u["tracking_number"] for u in peer.updates_for(order.external_id) if u["kind"] == "shipment"]
            assert shipments == [f"TRK-{order.pk}-0", f"TRK-{order.pk}-1"]
        assert peer.updates_for(orders[0].external_id)[-1] == {
            "order": orders[0].external_id, "kind": "status", "status_id": 10, "was": 2}
        assert peer.updates_for(to_cancel.external_id) == [
            {"order": to_cancel.external_id, "kind": "status", "status_id": 5, "was": 11}]


@pytest.mark.django_db
def test_a_refused_update_is_parked_at_once_and_a_failing_one_after_the_last_attempt(settings):
    settings.ORDERS_OUTBOX_RETRY_BASE_SECONDS = 0
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 0
    settings.ORDERS_OUTBOX_MAX_ATTEMPTS = 3
    with StorefrontPeer("woocommerce") as peer:
        channel = stocked_channel(peer)
        order = released_order(peer, channel)
        gone = released_order(peer, channel, 1)
        sweep_until_quiet()
        del peer.orders[gone.external_id]  # deleted on the storefront: 404 is not worth retrying
        ship(gone)
        assert sweep() == ["parked"]
        assert OutboxMessage.objects.get(order=gone, kind="shipped").attempts == 1

        peer.go_down()
        ship(order)
        assert sweep(rounds=5) == ["retrying", "retrying", "parked"]
        parked = OutboxMessage.objects.get(order=order, kind="shipped")
        assert (parked.status, parked.attempts) == ("failed", 3)
        event = OrderEvent.objects.filter(order=order, kind="storefront_sync_failed").get()
        assert "3 attempts failed" in event.message and "503" in event.message


def test_backoff_doubles_up_to_the_ceiling_and_honours_retry_after(settings):
    settings.ORDERS_OUTBOX_RETRY_BASE_SECONDS = 30
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 3600
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]
    assert backoff_seconds(1, retry_after=90) == 90
    assert backoff_seconds(1, retry_after=86400) == 3600


# --- idempotency and concurrency ----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_delivery_whose_result_was_lost_is_not_written_twice_on_the_storefront(kind, settings):
    """The worker died after the storefront took the update but before the row was marked sent: once the lease
    expires the update goes again, and the adapter finds it already there."""
    with StorefrontPeer(kind) as peer:
        order = released_order(peer, stocked_channel(peer))
        sweep_until_quiet()
        ship(order)
        message = OutboxMessage.objects.get(order=order, kind="shipped")
        claimed, _token = outbox_service._claim(message.pk)
        outbox_service._push(claimed)  # ...and the worker dies here
        written = list(peer.updates)
        assert outbox_deliver(message_id=message.pk) == "in_flight"
        OutboxMessage.objects.filter(pk=message.pk).update(leased_until=message.created_at)  # the lease ran out
        assert outbox_deliver(message_id=message.pk) == "sent"
        assert peer.updates == written
        assert outbox_deliver(message_id=message.pk) == "already_sent"  # a redelivered task changes nothing
        assert peer.updates == written


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_call_the_storefront_once():
    with StorefrontPeer("shopify") as peer:
        order = released_order(peer, stocked_channel(peer))
        sweep_until_quiet()
        ship(order)
        message = OutboxMessage.objects.get(order=order, kind="shipped")
        results = run_in_threads(lambda i: outbox_deliver(message_id=message.pk), 8)
        assert results.count("sent") == 1, results
        assert set(results) <= {"sent", "busy", "in_flight", "already_sent"}
        assert [u["kind"] for u in peer.updates] == ["fulfillment"]


# --- with a real Celery worker: down for a while, nothing lost, nothing twice, in order ---------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_a_storefront_down_for_a_while_loses_no_update_and_gets_each_once_in_order(kind, settings, celery_worker):
    settings.ORDERS_OUTBOX_RETRY_BASE_SECONDS = 0.2
    # The peer answers 503 with Retry-After: 5, honoured up to this ceiling: every retry comes 3 s later.
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 3.0
    settings.ORDERS_OUTBOX_MAX_ATTEMPTS = 100
    with StorefrontPeer(kind) as peer:
        channel = stocked_channel(peer, split=True)
        shipped = [released_order(peer, channel, n) for n in range(3)]
        cancelled = released_order(peer, channel, 3)
        wait_for(lambda: not OutboxMessage.objects.exclude(status="sent").exists(), "allocations sent")
        before = len(peer.updates)

        peer.go_down()
        requests_before = len(peer.requests)
        for order in shipped:
            ship(order, order.fulfillment_orders.order_by("pk")[0], tracking=f"TRK-{order.external_id}-0")
        time.sleep(1.5)
        # Recorded later, so once the peer is back these would be due *before* the first parcels' next try
        # (t+4.5 s against t+6 s): only the per-order sequence keeps them behind.
        for order in shipped:
            ship(order, order.fulfillment_orders.order_by("pk")[1], tracking=f"TRK-{order.external_id}-1")
        order_cancel(order=cancelled, actor="customer service", reason="customer asked")
        for order in shipped:
            order_mark_delivered(order=order, actor="carrier")
        # Down for a while: the heads of line are retried (however slow the machine), and nothing gets through.
        wait_for(lambda: len(peer.requests) - requests_before >= 7
                 and OutboxMessage.objects.filter(status="pending", attempts__gte=2).exists(), "retried while down")
        assert len(peer.updates) == before

        peer.come_up()
        wait_for(lambda: not OutboxMessage.objects.exclude(status="sent").exists(), "every update sent")
        time.sleep(1.0)  # nothing more arrives afterwards

        for order in shipped:
            got = [_summary(kind, u) for u in peer.updates_for(order.external_id)]
            first, second = f"TRK-{order.external_id}-0", f"TRK-{order.external_id}-1"
            assert got == {
                "shopify": [("fulfillment", first), ("fulfillment", second), ("fulfillment_event", "DELIVERED"),
                            ("fulfillment_event", "DELIVERED")],
                "woocommerce": [("note", first), ("note", second), ("status", "completed"), ("note", "Delivered")],
                "bigcommerce": [("shipment", first), ("shipment", second), ("status", 10)],
            }[kind], order.external_id
        got = [_summary(kind, u) for u in peer.updates_for(cancelled.external_id)]
        assert got == {"shopify": [("cancel", "OTHER")], "woocommerce": [("status", "cancelled"), ("note", "Cancelled")],
                       "bigcommerce": [("status", 5)]}[kind]
    for order in [*shipped, cancelled]:
        assert [m.sequence for m in OutboxMessage.objects.filter(order=order).order_by("sent_at")] == \
            sorted(m.sequence for m in OutboxMessage.objects.filter(order=order))


def _summary(kind, update):
    if update["kind"] == "fulfillment":
        return "fulfillment", update["tracking"]["number"]
    if update["kind"] == "fulfillment_event":
        return "fulfillment_event", update["status"]
    if update["kind"] == "cancel":
        return "cancel", update["reason"]
    if update["kind"] == "shipment":
        return "shipment", update["tracking_number"]
    if update["kind"] == "note":
        shipped = re.search(r"tracking number (\S+)", update["note"])
        return "note", shipped.group(1) if shipped else update["note"].split(" ")[0]
    return "status", update.get("status", update.get("status_id"))


def wait_for(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {what}")


@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_sends_what_is_due_without_waiting_for_its_task(celery_worker):
    from orders.tasks import sweep_outbox
    from wms_project.celery import app

    assert app.conf.beat_schedule["orders-outbox-sweep"] == {"task": "orders.sweep_outbox", "schedule": 60.0}
    with StorefrontPeer("bigcommerce") as peer:
        order = released_order(peer, stocked_channel(peer))
        wait_for(lambda: OutboxMessage.objects.filter(order=order, status="sent").exists(), "allocated sent")
        peer.go_down()
        ship(order)
        shipped = OutboxMessage.objects.get(order=order, kind="shipped")
        wait_for(lambda: OutboxMessage.objects.get(pk=shipped.pk).attempts == 1, "first attempt")
        # Its retry task is 30 s away (or lost with a broker that was down). Time passes:
        OutboxMessage.objects.filter(pk=shipped.pk).update(next_attempt_at=shipped.created_at)
        peer.come_up()
        sweep_outbox.delay()
        wait_for(lambda: OutboxMessage.objects.get(pk=shipped.pk).status == "sent", "swept and sent")
        assert [u["kind"] for u in peer.updates_for(order.external_id)] == ["shipment"]


@pytest.mark.django_db
@pytest.mark.parametrize("status,expected", [("on-hold", "processing"), ("completed", "completed")])
def test_allocated_moves_a_lagging_woocommerce_order_to_processing_and_never_back(status, expected):
    with StorefrontPeer("woocommerce") as peer:
        channel = stocked_channel(peer)
        data = {**_order("woocommerce", 0), "status": status, "date_paid_gmt": "2026-11-20T19:00:00"}
        peer.add_order(data)
        order = order_allocate(order_id=order_from_storefront(channel, data).pk)
        assert order.status == Order.Status.RELEASED
        sweep_until_quiet()
        assert peer.orders[order.external_id]["status"] == expected
        message = OutboxMessage.objects.get(order=order, kind="allocated")
        assert message.status == "sent"
        assert message.result == ("status on-hold -> processing" if status == "on-hold" else "status completed left as it is")


@pytest.mark.django_db
def test_a_multi_carton_shipment_gives_shopify_every_cartons_tracking_number_once():
    second = "1Z999AA10123456793"
    with StorefrontPeer("shopify") as peer:
        channel = stocked_channel(peer)
        order = released_order(peer, channel)
        fulfillment = order.fulfillment_orders.get()
        order_mark_shipped(order=order, fulfillment_order=fulfillment, carrier="UPS", service="Ground",
                           tracking_number=TRACKING, package_tracking_numbers=[TRACKING, second], actor="packer")
        assert sweep_until_quiet() == ["sent", "sent"]
        [update] = peer.updates_for(order.external_id)
        assert update["tracking"] == {"company": "UPS", "numbers": [TRACKING, second]}
        numbers = [info["number"] for info in peer.fulfillments[order.external_id][0]["trackingInfo"]]
        assert numbers == [TRACKING, second]
        message = OutboxMessage.objects.get(order=order, kind="shipped")
        assert outbox_service._push(message).startswith("already fulfilled")  # a redelivery writes nothing
        assert len(peer.updates_for(order.external_id)) == 1


@pytest.mark.django_db
def test_a_multi_carton_shipment_lists_every_tracking_number_in_the_woocommerce_note():
    second = "1Z999AA10123456793"
    with StorefrontPeer("woocommerce") as peer:
        channel = stocked_channel(peer)
        order = released_order(peer, channel)
        order_mark_shipped(order=order, fulfillment_order=order.fulfillment_orders.get(), carrier="UPS", service="Ground",
                           tracking_number=TRACKING, package_tracking_numbers=[TRACKING, second], actor="packer")
        sweep_until_quiet()
        note = next(u for u in peer.updates_for(order.external_id) if u["kind"] == "note")
        assert f"2 parcels: tracking numbers {TRACKING}, {second}" in note["note"]
