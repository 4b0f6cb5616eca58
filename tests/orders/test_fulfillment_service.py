"""The warehouse as a Shopify fulfillment service, against a real local Shopify peer: the signed callback is
stored in the inbox; its processing fetches the fulfillment orders assigned to us and answers each through the
order's outbox: accepted (the order taken in through the normal intake), rejected with a reason (a SKU not in
the catalog), cancellation accepted before packing and refused once labelled, holds placed and released."""

import json

import pytest

from inventory.services.stock import stock_receive
from orders.models import FulfillmentOrder, InboxDelivery, Order, OrderHold, OutboxMessage, StorefrontFulfillmentRequest
from orders.selectors import outbox_due_ids
from orders.services.inbox import inbox_process
from orders.services.outbox import outbox_deliver
from tests.factories import BinFactory, ProductFactory
from tests.orders.factories import storefront_channel
from tests.orders.storefront import shopify_headers
from tests.orders.test_adapters import _order
from tests.peers.storefront import StorefrontPeer

pytestmark = pytest.mark.django_db
SECRET = "s3cret"  # the channel factory's webhook secret


@pytest.fixture
def peer():
    with StorefrontPeer("shopify") as running:
        yield running


@pytest.fixture
def channel(peer):
    channel = storefront_channel(peer, is_fulfillment_service=True)
    bin_ = BinFactory()
    for sku in ("ACME-0001", "ACME-0002"):
        stock_receive(product=ProductFactory(merchant=channel.merchant, sku=sku), bin=bin_, qty=50, actor=None)
    return channel


def notify(client, channel, kind="FULFILLMENT_REQUEST", *, secret=SECRET):
    body = json.dumps({"kind": kind}).encode()
    headers = shopify_headers(secret, body)
    headers.pop("HTTP_X_SHOPIFY_TOPIC")
    return client.post(f"/webhooks/shopify/{channel.pk}/fulfillment_order_notification", data=body,
                       content_type="application/json", **headers)


def process_ping(client, channel, kind="FULFILLMENT_REQUEST"):
    response = notify(client, channel, kind)
    assert response.status_code == 200, response.content
    return inbox_process(delivery_id=response.json()["delivery"])


def deliver_all():
    results = []
    for _ in range(5):
        due = outbox_due_ids()
        if not due:
            break
        results += [outbox_deliver(message_id=pk) for pk in due]
    return results


def answers(peer, order_id):
    return [(u["answer"], u["request_status"]) for u in peer.updates_for(order_id) if u["kind"] == "fulfillment_request"]


def accepted_order(client, peer, channel, n=0):
    data = _order("shopify", n)
    fo_id = peer.assign(data)
    assert process_ping(client, channel) == "1 accepted"
    assert deliver_all() == ["sent"]
    assert peer.assigned[fo_id]["requestStatus"] == "ACCEPTED"
    return Order.objects.get(channel=channel, external_id=str(data["id"])), data, fo_id


def test_a_fulfillment_request_is_taken_in_and_accepted_once(client, peer, channel):
    order, data, fo_id = accepted_order(client, peer, channel)
    assert sorted(order.lines.values_list("sku", "quantity")) == [("ACME-0001", 1), ("ACME-0002", 3)]
    request = StorefrontFulfillmentRequest.objects.get()
    assert (request.fulfillment_order_ref, request.order_id, request.decision) == (fo_id, order.pk, "accepted")
    assert answers(peer, data["id"]) == [("fulfillmentOrderAcceptFulfillmentRequest", "ACCEPTED")]
    assert order.events.filter(kind="fulfillment_request_accepted").count() == 1
    # Another ping (or the beat's poll): nothing assigned waits for an answer, nothing changes.
    assert process_ping(client, channel) == "nothing assigned"
    assert StorefrontFulfillmentRequest.objects.count() == 1 and Order.objects.count() == 1
    assert answers(peer, data["id"]) == [("fulfillmentOrderAcceptFulfillmentRequest", "ACCEPTED")]


def test_only_the_lines_assigned_to_the_warehouse_at_the_quantity_left_are_taken_in(client, peer, channel):
    data = _order("shopify", 1)
    peer.assign(data)
    peer.fulfillments[str(data["id"])] = [{"id": "gid://shopify/Fulfillment/9", "lines": {"518995019": 2},
                                           "displayStatus": "FULFILLED", "deliveredAt": None, "trackingInfo": []}]
    assert process_ping(client, channel) == "1 accepted"
    order = Order.objects.get(external_id=str(data["id"]))
    assert sorted(order.lines.values_list("sku", "quantity")) == [("ACME-0001", 1), ("ACME-0002", 1)]


def test_a_request_with_a_sku_outside_the_catalog_is_rejected_with_the_reason_and_kept_on_record(client, peer, channel):
    data = _order("shopify", 2)
    data["line_items"][1]["sku"] = "NOT-OURS-9"
    fo_id = peer.assign(data)
    assert process_ping(client, channel) == "1 rejected"
    order = Order.objects.get(external_id=str(data["id"]))
    assert order.status == Order.Status.CANCELLED
    request = StorefrontFulfillmentRequest.objects.get()
    assert request.decision == "rejected" and "NOT-OURS-9" in request.reason
    assert deliver_all() == ["sent"]
    assert peer.assigned[fo_id]["requestStatus"] == "REJECTED"
    rejection = next(u for u in peer.updates_for(data["id"]) if u["kind"] == "fulfillment_request")
    assert rejection["reason"] == "INELIGIBLE_PRODUCT" and "NOT-OURS-9" in rejection["message"]
    assert not [u for u in peer.updates_for(data["id"]) if u["kind"] == "cancel"]  # the order is not cancelled on Shopify
    assert OutboxMessage.objects.filter(order=order).values_list("kind", flat=True).get() == "fulfillment_rejected"


def test_a_cancellation_request_before_packing_is_accepted_and_the_order_cancelled(client, peer, channel):
    order, data, fo_id = accepted_order(client, peer, channel)
    peer.request_cancellation(fo_id)
    assert process_ping(client, channel, "CANCELLATION_REQUEST") == "1 cancellation accepted"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert deliver_all() == ["sent"]
    assert peer.assigned[fo_id]["requestStatus"] == "CANCELLATION_ACCEPTED"
    assert answers(peer, data["id"])[-1] == ("fulfillmentOrderAcceptCancellationRequest", "CANCELLATION_ACCEPTED")
    assert process_ping(client, channel, "CANCELLATION_REQUEST") == "nothing assigned"


def test_a_cancellation_request_once_packed_and_labelled_is_refused_with_the_reason(client, peer, channel):
    from orders.services.allocation import order_allocate

    order, data, fo_id = accepted_order(client, peer, channel)
    order_allocate(order_id=order.pk)
    FulfillmentOrder.objects.filter(order=order).update(status=FulfillmentOrder.Status.PACKED)  # as the WMS reports it
    peer.request_cancellation(fo_id)
    assert process_ping(client, channel, "CANCELLATION_REQUEST") == "1 cancellation refused"
    order.refresh_from_db()
    assert order.status != Order.Status.CANCELLED
    assert order.events.filter(kind="cancel_refused").exists()
    assert set(deliver_all()) == {"sent"}  # the allocation's message (nothing to send to Shopify), then the answer
    refused = [u for u in peer.updates_for(data["id"]) if u["kind"] == "fulfillment_request"][-1]
    assert refused["request_status"] == "CANCELLATION_REJECTED" and "packed and labelled" in refused["message"]


def hold_webhook(client, channel, fo_id, topic):
    body = json.dumps({"fulfillment_order": {"id": fo_id, "status": "on_hold" if "placed" in topic else "open"},
                       "fulfillment_hold": {"reason": "awaiting_payment", "reason_notes": "wire transfer"}}).encode()
    response = client.post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json",
                           **shopify_headers(SECRET, body, topic=topic))
    assert response.status_code == 200, response.content
    return inbox_process(delivery_id=response.json()["delivery"])


def test_a_hold_placed_on_shopify_holds_the_order_and_its_release_lets_it_go(client, peer, channel):
    order, data, fo_id = accepted_order(client, peer, channel)
    assert hold_webhook(client, channel, fo_id, "fulfillment_orders/placed_on_hold") == "held"
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD
    hold = OrderHold.objects.get(order=order, kind="storefront_hold", released_at__isnull=True)
    assert "wire transfer" in hold.reason
    assert hold_webhook(client, channel, fo_id, "fulfillment_orders/hold_released") == "released"
    order.refresh_from_db()
    assert order.status != Order.Status.ON_HOLD
    assert not OrderHold.objects.filter(order=order, released_at__isnull=True).exists()


def test_forged_or_misaddressed_callbacks_are_refused_and_store_nothing(client, peer, channel):
    assert notify(client, channel, secret="forged").status_code == 401
    other = storefront_channel(peer)  # a Shopify channel that is not a fulfillment service
    assert notify(client, other).status_code == 401
    assert notify(client, channel, kind="SOMETHING_ELSE").status_code == 400
    assert not InboxDelivery.objects.exists()


def test_stock_is_pushed_per_shopify_location_from_the_warehouses_mapped_to_it(peer, settings):
    from inventory.services.stock import stock_adjust
    from orders.models import ChannelLocation
    from tests.factories import WarehouseFactory, ZoneFactory
    from tests.orders.stock_sync import sync_stock_now

    settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS = 0
    east, west = "gid://shopify/Location/1", "gid://shopify/Location/2"
    peer.locations.append(west)
    peer.stock["ACME-0001"] = 0
    channel = storefront_channel(peer, is_fulfillment_service=True)
    product = ProductFactory(merchant=channel.merchant, sku="ACME-0001")
    warehouses = [WarehouseFactory() for _ in range(3)]
    bins = [BinFactory(zone=ZoneFactory(warehouse=w)) for w in warehouses]
    ChannelLocation.objects.create(channel=channel, warehouse=warehouses[0], location_id=east)
    ChannelLocation.objects.create(channel=channel, warehouse=warehouses[1], location_id=west)
    ChannelLocation.objects.create(channel=channel, warehouse=warehouses[2], location_id=west)
    for bin_, qty in zip(bins, (7, 5, 4), strict=True):
        stock_receive(product=product, bin=bin_, qty=qty, actor=None)
    assert sync_stock_now() == 1  # one push of the (channel, product): every location in it
    assert sorted(peer.location_pushes) == [("ACME-0001", east, 7), ("ACME-0001", west, 9)]
    assert peer.stock["ACME-0001"] == 7 and peer.location_stock[("ACME-0001", west)] == 9

    stock_adjust(product=product, bin=bins[1], delta=-2, reason_code="cycle_count", actor=None)
    assert sync_stock_now() == 1
    assert peer.location_pushes[-2:] == [("ACME-0001", east, 7), ("ACME-0001", west, 7)]
