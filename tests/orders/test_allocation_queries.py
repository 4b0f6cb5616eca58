"""An allocation writes what it reserved onto the fulfillment order in one statement per warehouse, whatever
the number of lines, and a re-allocation adds to the lines already there instead of replacing them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import FulfillmentLine, Order
from orders.services.allocation import order_allocate
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.warehouse.picking import put

pytestmark = pytest.mark.django_db

# Released with one fulfillment order, for a 2-line order: measured 49 (59 before the lines were written in one
# statement); the bound leaves no room for a statement per line to come back.
ALLOCATE_QUERIES = 49


def stocked(units=(1000, 1000)):
    shelf = BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory()))
    channel = ChannelFactory()
    items = [ProductFactory(merchant=channel.merchant) for _ in units]
    for item, qty in zip(items, units, strict=True):
        put(item, shelf, qty)
    return channel, items, shelf


def test_a_two_line_allocation_is_a_bounded_number_of_statements_with_one_write_of_its_lines(
        django_assert_max_num_queries):
    channel, (tent, stove), _ = stocked()
    order_allocate(order_id=order_with_lines(channel=channel, lines=[(tent, 1), (stove, 2)]).pk)  # warm: routing data
    order = order_with_lines(channel=channel, lines=[(tent, 1), (stove, 2)])

    with CaptureQueriesContext(connection) as seen, django_assert_max_num_queries(ALLOCATE_QUERIES):
        order_allocate(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED
    writes = [q["sql"] for q in seen.captured_queries if "orders_fulfillmentline" in q["sql"]
              and q["sql"].lstrip().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1
    assert sorted(FulfillmentLine.objects.filter(fulfillment_order__order=order)
                  .values_list("order_line__product__sku", "qty")) == sorted([(tent.sku, 1), (stove.sku, 2)])


def test_a_re_allocation_adds_to_the_lines_already_on_the_open_fulfillment_order():
    channel, (tent, stove), shelf = stocked(units=(5, 1))
    order = order_with_lines(channel=channel, lines=[(tent, 3), (stove, 4)])
    order_allocate(order_id=order.pk)  # 3 tents and the one stove
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_ALLOCATED
    put(stove, shelf, 3)

    order_allocate(order_id=order.pk)  # the three stoves that arrived join the same fulfillment order

    lines = dict(FulfillmentLine.objects.filter(fulfillment_order__order=order)
                 .values_list("order_line__product__sku", "qty"))
    assert lines == {tent.sku: 3, stove.sku: 4}
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED
    assert FulfillmentLine.objects.filter(fulfillment_order__order=order).values("fulfillment_order").distinct().count() == 1
    assert_stock_invariants()
