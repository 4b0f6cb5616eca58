"""Edits before picking re-route the order; cancellation at every stage leaves stock, reservations and the
ledger right; customer service finds orders by tracking number."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core import roles
from core.errors import PermissionDenied
from inventory.models import BinStock, Reservation, StockLevel
from orders.exceptions import IllegalTransition
from orders.models import FulfillmentOrder, Order, RoutingPolicy
from orders.services.allocation import order_allocate
from orders.services.cancellation import order_cancel
from orders.services.edits import EditRefused, LineChange, order_edit_address, order_edit_lines
from orders.services.shipment_events import order_mark_shipped
from tests.factories import BinFactory, ProductFactory, UserFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import order_with_lines
from tests.warehouse.cancelling import order_cancel_through_warehouse
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import PickLine
from warehouse.outbound.services.picking import pick_claim_next, pick_scan
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return UserFactory(role=roles.CUSTOMER_SERVICE)


def reserved(order) -> dict[str, int]:
    out = {}
    for r in Reservation.objects.filter(order_line_id__in=order.lines.values_list("pk", flat=True)).select_related("warehouse"):
        if r.qty:
            out[r.warehouse.code] = out.get(r.warehouse.code, 0) + r.qty
    return out


def coasts():
    east = WarehouseFactory(code="east", latitude=Decimal("40.70"), longitude=Decimal("-74.16"))
    west = WarehouseFactory(code="west", latitude=Decimal("34.04"), longitude=Decimal("-117.59"), timezone="America/Los_Angeles")
    item = ProductFactory()
    for w in (east, west):
        put(item, BinFactory(zone=ZoneFactory(warehouse=w)), 10)
    return east, west, item


def test_correcting_the_address_routes_the_order_again_to_the_nearer_warehouse(agent):
    east, west, item = coasts()
    order = order_with_lines(lines=[(item, 2)], ship_postal_code="10001", ship_city="New York", ship_region="NY")
    order_allocate(order_id=order.pk)
    assert reserved(order) == {"east": 2}
    order_edit_address(order=order, address={"city": "Los Angeles", "region": "CA", "postal_code": "90012"},
                       actor=agent, reason="customer moved")
    order.refresh_from_db()
    assert reserved(order) == {"west": 2} and order.status == Order.Status.RELEASED
    assert order.fulfillment_orders.get(warehouse=east).status == FulfillmentOrder.Status.CANCELLED
    assert "Address corrected" in order.events.get(kind="edited").message
    assert StockLevel.objects.get(product=item, warehouse=east).allocated == 0
    assert_stock_invariants()


def test_removing_an_address_field_puts_the_order_on_hold_with_the_reason(agent):
    east, west, item = coasts()
    order = order_with_lines(lines=[(item, 1)])
    order_allocate(order_id=order.pk)
    order_edit_address(order=order, address={"line1": ""}, actor=agent, reason="wrong street")
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD and reserved(order) == {}
    assert order.holds.get(released_at__isnull=True).kind == "address_invalid"
    order_edit_address(order=order, address={"line1": "2 Main St"}, actor=agent, reason="street confirmed")
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED and sum(reserved(order).values()) == 1


def test_lines_can_be_changed_added_and_removed_before_picking_with_reservations_following(agent):
    east, west, item = coasts()
    extra, dropped = ProductFactory(merchant=item.merchant), ProductFactory(merchant=item.merchant)
    for p in (extra, dropped):
        put(p, BinFactory(zone=ZoneFactory(warehouse=east)), 5)
    order = order_with_lines(lines=[(item, 2), (dropped, 1)], ship_postal_code="10001", ship_city="New York", ship_region="NY")
    order_allocate(order_id=order.pk)
    order_edit_lines(order=order, changes=[LineChange(item.sku, 5), LineChange(dropped.sku, 0), LineChange(extra.sku, 3)],
                     actor=agent, reason="customer called")
    lines = {line.sku: line for line in order.lines.all()}
    assert (lines[item.sku].open_qty, lines[dropped.sku].open_qty, lines[extra.sku].open_qty) == (5, 0, 3)
    by_line = {r.order_line_id: r.qty for r in Reservation.objects.filter(order_line_id__in=[line.pk for line in lines.values()])}
    assert by_line.get(lines[item.sku].pk) == 5 and by_line.get(lines[dropped.sku].pk, 0) == 0 and by_line[lines[extra.sku].pk] == 3
    assert StockLevel.objects.get(product=dropped, warehouse=east).allocated == 0
    assert_stock_invariants()


def test_bad_edits_are_refused_and_change_nothing(agent):
    east, west, item = coasts()
    order = order_with_lines(lines=[(item, 2)])
    order_allocate(order_id=order.pk)
    before = (order.lines.count(), sum(reserved(order).values()))
    with pytest.raises(EditRefused, match="unknown SKU"):
        order_edit_lines(order=order, changes=[LineChange("NOPE", 1)], actor=agent, reason="x")
    with pytest.raises(EditRefused, match="whole number"):
        order_edit_lines(order=order, changes=[LineChange(item.sku, -2)], actor=agent, reason="x")
    with pytest.raises(EditRefused, match="at least one line"):
        order_edit_lines(order=order, changes=[LineChange(item.sku, 0)], actor=agent, reason="x")
    with pytest.raises(EditRefused, match="reason"):
        order_edit_lines(order=order, changes=[LineChange(item.sku, 3)], actor=agent, reason=" ")
    with pytest.raises(PermissionDenied):
        order_edit_lines(order=order, changes=[LineChange(item.sku, 3)], actor=UserFactory(role=roles.PICKER), reason="x")
    assert (order.lines.count(), sum(reserved(order).values())) == before


def test_line_edits_are_refused_once_the_order_is_in_a_pick_wave_or_being_picked_but_the_address_can_be_fixed(agent):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 1)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    with pytest.raises(IllegalTransition, match="pick wave"):
        order_edit_lines(order=order, changes=[LineChange(shirt.sku, 2)], actor=agent, reason="more")
    assert pick_claim_next(warehouse=ps.warehouse, actor=ps.picker) is not None
    with pytest.raises(IllegalTransition, match="picking has started"):
        order_edit_lines(order=order, changes=[LineChange(shirt.sku, 2)], actor=agent, reason="more")
    order_edit_address(order=order, address={"line2": "Apt 4"}, actor=agent, reason="apartment number")
    order.refresh_from_db()
    assert order.ship_line2 == "Apt 4" and order.status == Order.Status.IN_PROGRESS
    assert Reservation.objects.get(order_line_id=order.lines.get().pk).qty == 1  # not routed again


# --- cancellation at each stage -------------------------------------------------------------------------

def test_cancel_before_allocation_and_when_allocated_but_not_released(agent):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    RoutingPolicy.objects.create(merchant=ps.merchant, release=RoutingPolicy.Release.BATCH)
    pending = order_with_lines(channel=ps.channel, lines=[(shirt, 1)])
    order_cancel(order=pending, actor=agent, reason="duplicate")
    allocated = order_with_lines(channel=ps.channel, lines=[(shirt, 2)])
    assert order_allocate(order_id=allocated.pk).status == Order.Status.ALLOCATED
    order_cancel(order=allocated, actor=agent, reason="customer asked")
    for order in (pending, allocated):
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 0
    assert allocated.fulfillment_orders.get().status == FulfillmentOrder.Status.CANCELLED
    assert_stock_invariants()


def test_cancel_when_released_and_planned_into_a_wave_stops_the_pick_lines(agent):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 2)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    order_cancel_through_warehouse(order=order, actor=agent, reason="fraud")
    assert set(PickLine.objects.values_list("status", flat=True)) == {"cancelled"}
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 0
    assert_stock_invariants()


def test_cancel_in_progress_puts_picked_units_back_and_after_shipping_is_refused(agent):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 2)])
    session = planned_and_claimed(ps)
    pick_scan(session=session, raw="BIN:A-01-01-A", actor=ps.picker)
    pick_scan(session=session, raw=shirt.sku, actor=ps.picker)
    order_cancel_through_warehouse(order=order, actor=agent, reason="customer changed mind")
    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).qty == 5
    level = StockLevel.objects.get(product=shirt, warehouse=ps.warehouse)
    assert (level.on_hand, level.allocated) == (5, 0)
    assert_stock_invariants()

    shipped = released(ps, [(shirt, 1)])
    fulfillment = shipped.fulfillment_orders.get()
    order_mark_shipped(order=shipped, fulfillment_order=fulfillment, carrier="UPS", service="Ground",
                       tracking_number="1Z999AA10123456784", actor="packer")
    with pytest.raises(IllegalTransition, match="already shipped"):
        order_cancel(order=shipped, actor=agent, reason="too late")
    shipped.refresh_from_db()
    assert shipped.status == Order.Status.SHIPPED


def test_customer_service_finds_an_order_by_tracking_number(client, agent):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 1)])
    order_mark_shipped(order=order, fulfillment_order=order.fulfillment_orders.get(), carrier="UPS", service="Ground",
                       tracking_number="1Z999AA10123456784", actor="packer")
    other = released(ps, [(shirt, 1)])
    client.force_login(agent)
    page = client.get(reverse("orders:order_list"), {"q": "1Z999AA10123456784"}).content.decode()
    assert order.order_number in page and other.order_number not in page
    detail = client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert "1Z999AA10123456784" in detail and "Edit address or lines: <strong>not allowed</strong>" in detail


@pytest.mark.parametrize("address, words", [
    ({"country": "USA"}, "two-letter ISO code"),
    ({"region": "XX"}, "'XX' is not a US state"),
    ({"postal_code": "ABCDE"}, "'ABCDE' is not a valid US ZIP code"),
    ({"region": "XX", "postal_code": "ABCDE"}, "'ABCDE' is not a valid US ZIP code"),
    ({"city": "N" * 101}, "city is 101 characters long"),
    ({"postal_code": "1" * 30}, "is not a valid US ZIP code"),
])
def test_a_correction_the_address_rules_refuse_is_refused_with_the_reason_and_changes_nothing(agent, address, words):
    east, west, item = coasts()
    order = order_with_lines(lines=[(item, 2)], ship_postal_code="10001", ship_city="New York", ship_region="NY")
    order_allocate(order_id=order.pk)
    with pytest.raises(EditRefused, match=words):
        order_edit_address(order=order, address=address, actor=agent, reason="customer called")
    order.refresh_from_db()
    assert (order.ship_country, order.ship_region, order.ship_postal_code, order.ship_city) == ("US", "NY", "10001", "New York")
    assert reserved(order) == {"east": 2} and not order.events.filter(kind="edited").exists()


def test_a_state_written_out_or_a_zip_plus_four_is_accepted(agent):
    east, west, item = coasts()
    order = order_with_lines(lines=[(item, 2)], ship_postal_code="10001", ship_city="New York", ship_region="NY")
    order_allocate(order_id=order.pk)
    order_edit_address(order=order, address={"city": "Los Angeles", "region": "california", "postal_code": "90012-1234"},
                       actor=agent, reason="customer moved")
    order.refresh_from_db()
    assert (order.ship_region, order.ship_postal_code) == ("CA", "90012-1234")
