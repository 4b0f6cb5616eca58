"""Shipped and delivered, as the shipping side reports them: lifecycle, tracking kept on the fulfillment
order, the timeline, and exactly one storefront update per real change."""

import pytest
from django.db import transaction

from inventory.services.stock import stock_receive
from orders.exceptions import IllegalTransition, ShipmentError
from orders.models import FulfillmentLine, Order, OrderEvent, OutboxMessage, RoutingPolicy
from orders.services.allocation import order_allocate
from orders.services.shipment_events import order_mark_delivered, order_mark_shipped
from orders.services.timeline import order_transition
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.orders.factories import ChannelFactory, order_with_lines

STOREFRONT = {"kind": "shopify", "api_base_url": "http://127.0.0.1:9"}  # never called here


def split_order(*, release="automatic") -> Order:
    """Two lines stocked in two warehouses, splits allowed: two fulfillment orders."""
    channel = ChannelFactory(**STOREFRONT)
    RoutingPolicy.objects.create(merchant=channel.merchant, allow_split=True, release=release)
    tent, stove = ProductFactory(merchant=channel.merchant), ProductFactory(merchant=channel.merchant)
    stock_receive(product=tent, bin=BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory())), qty=10, actor=None)
    stock_receive(product=stove, bin=BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory())), qty=10, actor=None)
    order = order_with_lines(channel=channel, lines=[(tent, 2), (stove, 1)])
    order.lines.filter(line_no=1).update(external_line_id="L1")
    order.lines.filter(line_no=2).update(external_line_id="L2")
    return order_allocate(order_id=order.pk)


def ship(order, fulfillment, tracking="1Z1", **kwargs):
    return order_mark_shipped(order=order, fulfillment_order=fulfillment, carrier="UPS", service="Ground",
                              tracking_number=tracking, tracking_url=f"https://ups.example/{tracking}", actor="packer",
                              **kwargs)


def outbox(order):
    return list(OutboxMessage.objects.filter(order=order).order_by("sequence"))


@pytest.mark.django_db
def test_two_parcels_then_delivery_move_the_order_and_queue_one_update_each():
    order = split_order()
    first, second = order.fulfillment_orders.order_by("pk")
    assert ship(order, first, "1Z1").status == Order.Status.PARTIALLY_SHIPPED
    first.refresh_from_db()
    assert (first.status, first.carrier, first.service, first.tracking_number) == ("shipped", "UPS", "Ground", "1Z1")
    assert first.shipped_at and first.tracking_url == "https://ups.example/1Z1"
    assert ship(order, second, "1Z2").status == Order.Status.SHIPPED
    assert order_mark_delivered(order=order, actor="carrier tracking").status == Order.Status.DELIVERED

    allocated, parcel_one, parcel_two, delivered = outbox(order)
    assert [m.sequence for m in outbox(order)] == [1, 2, 3, 4]
    assert allocated.kind == "allocated" and {line["sku"] for line in allocated.payload["lines"]} == {
        line.sku for line in order.lines.all()}
    tent, stove = order.lines.order_by("line_no")
    assert parcel_one.payload == {
        "fulfillment_order_id": first.pk, "warehouse": first.warehouse.code, "carrier": "UPS", "service": "Ground",
        "tracking_number": "1Z1", "tracking_url": "https://ups.example/1Z1", "order_status": "partially_shipped",
        "package_tracking_numbers": ["1Z1"],
        "lines": [{"external_line_id": "L1", "sku": tent.sku, "qty": 2}], "shipped_at": first.shipped_at.isoformat(),
    }
    assert parcel_two.payload["order_status"] == "shipped"
    assert parcel_two.payload["lines"] == [{"external_line_id": "L2", "sku": stove.sku, "qty": 1}]
    assert delivered.kind == "delivered"
    assert delivered.payload["shipments"] == [{"carrier": "UPS", "tracking_number": "1Z1"},
                                              {"carrier": "UPS", "tracking_number": "1Z2"}]
    assert OrderEvent.objects.filter(order=order, kind="shipped").count() == 2
    statuses = list(OrderEvent.objects.filter(order=order, kind="status").values_list("data__status", flat=True))
    assert statuses[-3:] == ["partially_shipped", "shipped", "delivered"]


@pytest.mark.django_db
def test_the_same_shipment_reported_twice_changes_nothing_and_a_second_tracking_is_refused():
    order = split_order()
    first = order.fulfillment_orders.order_by("pk").first()
    ship(order, first, "1Z1")
    ship(order, first, "1Z1")
    assert [m.kind for m in outbox(order)] == ["allocated", "shipped"]
    with pytest.raises(IllegalTransition, match="already shipped"):
        ship(order, first, "1Z-OTHER")
    with pytest.raises(IllegalTransition):  # not delivered before everything shipped
        order_mark_delivered(order=order, actor="carrier")
    assert [m.kind for m in outbox(order)] == ["allocated", "shipped"]


@pytest.mark.django_db
def test_refusals_change_nothing():
    order = split_order(release="batch")  # allocated, not released: the warehouse does not have it yet
    first, second = order.fulfillment_orders.order_by("pk")
    with pytest.raises(IllegalTransition, match="cannot ship"):
        ship(order, first)
    other = split_order()
    with pytest.raises(ShipmentError, match="not part of order"):
        ship(other, first)
    with pytest.raises(ShipmentError, match="carrier and a tracking number"):
        ship(other, other.fulfillment_orders.first(), tracking="  ")
    released = other.fulfillment_orders.order_by("pk").first()
    stove_line = other.lines.get(line_no=2)
    with pytest.raises(ShipmentError, match="is not on FO"):
        ship(other, released, lines=[(stove_line.pk, 1)])
    tent_line = other.lines.get(line_no=1)
    with pytest.raises(ShipmentError, match="not between 1 and 2"):
        ship(other, released, lines=[(tent_line.pk, 3)])
    assert [m.kind for m in outbox(order)] == ["allocated"] and [m.kind for m in outbox(other)] == ["allocated"]
    assert not FulfillmentLine.objects.filter(shipped_qty__gt=0).exists()


@pytest.mark.django_db
def test_a_short_parcel_leaves_the_order_partially_shipped():
    order = split_order()
    first, second = order.fulfillment_orders.order_by("pk")
    tent_line = order.lines.get(line_no=1)
    ship(order, first, "1Z1", lines=[(tent_line.pk, 1)])
    assert ship(order, second, "1Z2").status == Order.Status.PARTIALLY_SHIPPED
    assert outbox(order)[1].payload["lines"] == [{"external_line_id": "L1", "sku": tent_line.sku, "qty": 1}]


@pytest.mark.django_db
def test_a_plain_api_order_ships_without_any_storefront_update():
    product = ProductFactory()
    stock_receive(product=product, bin=BinFactory(), qty=3, actor=None)
    order = order_allocate(order_id=order_with_lines(lines=[(product, 1)]).pk)
    ship(order, order.fulfillment_orders.get())
    order_mark_delivered(order=order, actor="carrier")
    assert Order.objects.get(pk=order.pk).status == Order.Status.DELIVERED
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parcels_of_one_order_shipped_at_once_end_shipped_with_one_update_each():
    order = split_order()
    fulfillments = list(order.fulfillment_orders.order_by("pk"))
    results = run_in_threads(lambda i: ship(order, fulfillments[i % 2], f"1Z{i % 2}").status, 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    shipped = [m for m in outbox(order) if m.kind == "shipped"]
    assert sorted(m.payload["tracking_number"] for m in shipped) == ["1Z0", "1Z1"]
    assert [m.sequence for m in outbox(order)] == [1, 2, 3]
    assert [m.payload["order_status"] for m in shipped] == ["partially_shipped", "shipped"]


@pytest.mark.django_db
def test_a_parcel_ships_while_a_failed_pick_sends_the_rest_of_the_order_back_to_allocation():
    order = split_order()
    first, second = order.fulfillment_orders.order_by("pk")
    # The second warehouse's pick failed: routing looks for those units again (as order_line_resource does).
    with transaction.atomic():
        order_transition(order=Order.objects.get(pk=order.pk), to=Order.Status.PARTIALLY_ALLOCATED, actor="picker",
                         reason="pick failed")

    order = ship(order, first, "1Z1")
    assert order.status == Order.Status.PARTIALLY_ALLOCATED  # allocation still works from it
    (parcel,) = [m for m in outbox(order) if m.kind == "shipped"]
    assert parcel.payload["order_status"] == "partially_shipped"
    assert OrderEvent.objects.filter(order=order, kind="shipped").count() == 1

    assert ship(order, second, "1Z2").status == Order.Status.SHIPPED  # the rest found and shipped


@pytest.mark.django_db
def test_a_parcel_ships_while_the_rest_is_allocated_again_and_waits_for_its_release():
    order = split_order()
    first, second = order.fulfillment_orders.order_by("pk")
    # The second warehouse's pick failed, routing found the units again, and they wait for a manager's release.
    with transaction.atomic():
        order_transition(order=Order.objects.get(pk=order.pk), to=Order.Status.PARTIALLY_ALLOCATED, actor="picker",
                         reason="pick failed")
        order_transition(order=Order.objects.get(pk=order.pk), to=Order.Status.ALLOCATED, actor="routing",
                         reason="found again")

    order = ship(order, first, "1Z1")  # refused before: allocated -> partially shipped is no edge
    assert order.status == Order.Status.ALLOCATED
    (parcel,) = [m for m in outbox(order) if m.kind == "shipped"]
    assert parcel.payload["order_status"] == "partially_shipped"

    assert ship(order, second, "1Z2").status == Order.Status.SHIPPED
