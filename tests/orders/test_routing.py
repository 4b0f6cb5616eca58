"""Routing with several warehouses: nearest with stock wins, rules change the choice, splits only
when allowed, backorders fill by priority when stock arrives."""

from decimal import Decimal

import pytest

from inventory.models import Reservation, StockLevel
from inventory.services.stock import stock_receive
from orders.models import FulfillmentOrder, Order, RoutingPolicy
from orders.selectors import ship_by_for
from orders.services.allocation import backorders_allocate, order_allocate
from tests.factories import BinFactory, MerchantFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import order_with_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    """Newark (east), Ontario CA (west) and Dallas (middle)."""
    sites = {
        "ewr": WarehouseFactory(code="ewr", latitude=Decimal("40.70"), longitude=Decimal("-74.16")),
        "ont": WarehouseFactory(code="ont", latitude=Decimal("34.04"), longitude=Decimal("-117.59"), timezone="America/Los_Angeles"),
        "dfw": WarehouseFactory(code="dfw", latitude=Decimal("32.90"), longitude=Decimal("-97.04"), timezone="America/Chicago"),
    }
    bins = {code: BinFactory(zone=ZoneFactory(warehouse=w)) for code, w in sites.items()}
    return sites, bins


def stock(product, bins, **per_site):
    for code, qty in per_site.items():
        stock_receive(product=product, bin=bins[code], qty=qty, actor=None)


def reserved_at(order) -> dict[str, int]:
    out = {}
    for r in Reservation.objects.filter(order_line_id__in=order.lines.values_list("pk", flat=True)).select_related("warehouse"):
        if r.qty:
            out[r.warehouse.code] = out.get(r.warehouse.code, 0) + r.qty
    return out


def test_nearest_warehouse_with_stock_wins_and_the_reasons_are_on_the_timeline(network):
    sites, bins = network
    product = ProductFactory()
    stock(product, bins, ewr=5, ont=5, dfw=5)
    la = order_with_lines(lines=[(product, 2)], ship_postal_code="90012", ship_city="Los Angeles", ship_region="CA")
    ny = order_with_lines(lines=[(product, 2)], ship_postal_code="10001", ship_city="New York", ship_region="NY")
    assert order_allocate(order_id=la.pk).status == Order.Status.RELEASED
    order_allocate(order_id=ny.pk)
    assert reserved_at(la) == {"ont": 2} and reserved_at(ny) == {"ewr": 2}
    routing = la.events.get(kind="routing").message
    assert "ont ships everything in one shipment" in routing and "km" in routing
    assert FulfillmentOrder.objects.get(order=la).status == FulfillmentOrder.Status.RELEASED
    assert_stock_invariants()


def test_the_nearest_without_stock_is_passed_over(network):
    sites, bins = network
    product = ProductFactory()
    stock(product, bins, ewr=1, dfw=5)
    order = order_with_lines(lines=[(product, 3)], ship_postal_code="10001", ship_region="NY")
    order_allocate(order_id=order.pk)
    assert reserved_at(order) == {"dfw": 3}


def test_capacity_rule_changes_the_choice(network):
    sites, bins = network
    product = ProductFactory()
    stock(product, bins, ewr=5, dfw=5)
    RoutingPolicy.objects.create(merchant=product.merchant, rules=["capacity", "nearest"])
    busy = order_with_lines(lines=[(product, 1)], ship_postal_code="10001", ship_region="NY")
    order_allocate(order_id=busy.pk)  # ewr and dfw both empty of work: nearest (ewr) breaks the tie
    assert reserved_at(busy) == {"ewr": 1}
    second = order_with_lines(lines=[(product, 1)], ship_postal_code="10001", ship_region="NY")
    order_allocate(order_id=second.pk)  # ewr now has open work: the least loaded wins
    assert reserved_at(second) == {"dfw": 1}


def test_speed_promise_skips_warehouses_too_far_for_overnight(network):
    sites, bins = network
    product = ProductFactory()
    stock(product, bins, ont=5)
    stock(product, bins, dfw=5)
    order = order_with_lines(lines=[(product, 1)], ship_postal_code="90012", ship_region="CA", service_level="overnight")
    RoutingPolicy.objects.create(merchant=product.merchant, rules=["cheapest"])
    order_allocate(order_id=order.pk)
    assert reserved_at(order) == {"ont": 1}


def test_no_split_unless_allowed_and_the_rest_is_backordered(network):
    sites, bins = network
    tent, stove = ProductFactory(), ProductFactory()
    merchant = tent.merchant
    stove.merchant = merchant
    stove.save()
    stock(tent, bins, ewr=2)
    stock(stove, bins, ont=2)
    together = order_with_lines(lines=[(tent, 1), (stove, 1)], ship_postal_code="10001", ship_region="NY")
    order_allocate(order_id=together.pk)
    together.refresh_from_db()
    assert together.status == Order.Status.PARTIALLY_ALLOCATED
    assert reserved_at(together) == {"ewr": 1}, "one shipment preferred: the stove waits"
    assert "backordered: 1" in together.events.get(kind="routing").message

    RoutingPolicy.objects.create(merchant=merchant, allow_split=True)
    split = order_with_lines(channel=together.channel, lines=[(tent, 1), (stove, 1)], ship_postal_code="10001", ship_region="NY")
    order_allocate(order_id=split.pk)
    split.refresh_from_db()
    assert reserved_at(split) == {"ewr": 1, "ont": 1}
    assert split.status == Order.Status.RELEASED
    assert split.fulfillment_orders.count() == 2


def test_backorders_fill_by_priority_then_age_when_stock_arrives(network):
    sites, bins = network
    product = ProductFactory()
    old = order_with_lines(lines=[(product, 2)])
    new_rush = order_with_lines(lines=[(product, 2)], priority=10)
    newest = order_with_lines(lines=[(product, 2)])
    for order in (old, new_rush, newest):
        assert order_allocate(order_id=order.pk).status == Order.Status.BACKORDERED
    stock(product, bins, ewr=4)
    backorders_allocate(product_ids=[product.pk])
    statuses = {o.pk: Order.objects.get(pk=o.pk).status for o in (old, new_rush, newest)}
    assert statuses[new_rush.pk] == Order.Status.RELEASED
    assert statuses[old.pk] == Order.Status.RELEASED
    assert statuses[newest.pk] == Order.Status.BACKORDERED
    assert StockLevel.objects.get(product=product, warehouse=sites["ewr"]).available == 0
    assert_stock_invariants()


def test_ship_by_uses_the_warehouse_cutoff_and_timezone(network):
    import datetime as dt
    from zoneinfo import ZoneInfo

    sites, _ = network
    ny = ZoneInfo("America/New_York")
    product = ProductFactory()
    morning = order_with_lines(lines=[(product, 1)], service_level="expedited", placed_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=ny))
    evening = order_with_lines(lines=[(product, 1)], service_level="expedited", placed_at=dt.datetime(2026, 11, 27, 18, 0, tzinfo=ny))
    assert ship_by_for(morning, sites["ewr"]) == dt.datetime(2026, 11, 23, 15, 0, tzinfo=ny)
    assert ship_by_for(evening, sites["ewr"]) == dt.datetime(2026, 11, 30, 15, 0, tzinfo=ny)  # Friday evening: Monday


def test_with_no_active_warehouse_the_order_is_backordered_not_failed():
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant)
    order = order_with_lines(lines=[(product, 2)])
    order_allocate(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.BACKORDERED
    assert "no active warehouse" in order.events.get(kind="routing").message
