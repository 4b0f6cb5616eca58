"""200 orders racing for 50 units across two warehouses on real PostgreSQL: exactly 50 allocated, none oversold."""

from decimal import Decimal

import pytest

from inventory.models import Reservation, StockLevel
from orders.models import Order
from orders.services.allocation import order_allocate
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.warehouse.picking import put

ORDERS = 200
THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_orders_for_fifty_units_allocate_exactly_fifty():
    east = WarehouseFactory(code="east", latitude=Decimal("40.70"), longitude=Decimal("-74.16"))
    west = WarehouseFactory(code="west", latitude=Decimal("34.04"), longitude=Decimal("-117.59"))
    item = ProductFactory()
    put(item, BinFactory(zone=ZoneFactory(warehouse=east)), 30)
    put(item, BinFactory(zone=ZoneFactory(warehouse=west)), 20)
    channel = ChannelFactory(merchant=item.merchant)
    orders = [order_with_lines(channel=channel, lines=[(item, 1)]) for _ in range(ORDERS)]

    def allocate_share(i: int) -> list[str]:
        return [order_allocate(order_id=order.pk, actor="race").status for order in orders[i::THREADS]]

    results = run_in_threads(allocate_share, THREADS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    statuses = [status for chunk in results for status in chunk]
    assert statuses.count(Order.Status.RELEASED) == 50
    assert statuses.count(Order.Status.BACKORDERED) == ORDERS - 50
    levels = {lv.warehouse.code: lv for lv in StockLevel.objects.filter(product=item).select_related("warehouse")}
    assert (levels["east"].allocated, levels["west"].allocated) == (30, 20)
    assert all(level.available == 0 for level in levels.values())
    assert sum(Reservation.objects.filter(product=item).values_list("qty", flat=True)) == 50
    assert Order.objects.filter(status=Order.Status.BACKORDERED).count() == ORDERS - 50
    assert_stock_invariants()
