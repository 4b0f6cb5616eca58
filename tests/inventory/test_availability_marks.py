"""Availability marks never make stock operations of one SKU in two warehouses wait on each other."""

import threading

import pytest
from django.db import connection, connections, transaction

from inventory.models import AvailabilityChange, StockLevel
from inventory.services.reservations import stock_pick, stock_reserve
from inventory.services.stock import stock_adjust, stock_receive
from layout.models import Bin
from orders.models import Order, RoutingPolicy
from orders.services.allocation import order_allocate
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory, order_with_lines

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 25
PICKS = 200  # room for a picker taking one unit at a time, again and again, while the allocation runs


def test_an_open_stock_operation_at_one_warehouse_does_not_block_another_on_the_same_sku():
    product = ProductFactory()
    east, west = BinFactory(), BinFactory()
    stock_receive(product=product, bin=east, qty=5, actor=None)
    stock_receive(product=product, bin=west, qty=5, actor=None)
    holding, release = threading.Event(), threading.Event()

    def hold_east_open() -> None:
        try:
            with transaction.atomic():
                stock_adjust(product=product, bin=east, delta=-1, reason_code="lost", actor=None)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_east_open)
    holder.start()
    try:
        assert holding.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            stock_adjust(product=product, bin=west, delta=-1, reason_code="lost", actor=None)
    finally:
        release.set()
        holder.join(30)
    levels = dict(StockLevel.objects.filter(product=product).values_list("warehouse_id", "on_hand"))
    assert levels == {east.warehouse_id: 4, west.warehouse_id: 4}
    assert AvailabilityChange.objects.filter(product=product).exists()
    assert_stock_invariants()


def _split_round():
    """One SKU with 2 units to sell in each of two warehouses, an order for 4 (split allowed), and a
    reservation waiting to be picked at the second warehouse."""
    product = ProductFactory()
    channel = ChannelFactory(merchant=product.merchant)
    RoutingPolicy.objects.get_or_create(merchant=product.merchant, defaults={"allow_split": True})
    first, second = WarehouseFactory(), WarehouseFactory()
    shelf_1 = BinFactory(zone=ZoneFactory(warehouse=first))
    shelf_2 = BinFactory(zone=ZoneFactory(warehouse=second))
    tote = BinFactory(zone=shelf_2.zone, kind=Bin.Kind.TOTE, is_pickable=False)
    stock_receive(product=product, bin=shelf_1, qty=2, actor=None)
    stock_receive(product=product, bin=shelf_2, qty=2 + PICKS, actor=None)
    waiting = stock_reserve(product=product, warehouse=second, qty=PICKS, order_line_id=900_000 + product.pk, actor=None)
    order = order_with_lines(channel=channel, lines=[(product, 4)])
    return product, order, waiting.reservation, shelf_2, tote


def test_allocation_across_two_warehouses_never_deadlocks_with_picking_at_the_second():
    for _ in range(ROUNDS):
        product, order, reservation, shelf, tote = _split_round()

        allocated = threading.Event()

        def act(i: int):
            if i == 0:
                try:
                    return order_allocate(order_id=order.pk, actor="race").status
                finally:
                    allocated.set()
            # A picker at the second warehouse: picks one unit, finds a stray unit on the shelf and then writes
            # one off (each changes what can be sold there), again and again until the allocation is through.
            picked = 0
            while not allocated.is_set() and picked < PICKS:
                picked += stock_pick(reservation=reservation, from_bin=shelf, to_bin=tote, qty=1, actor=None).qty
                stock_adjust(product=product, bin=shelf, delta=1, reason_code="found", actor=None)
                stock_adjust(product=product, bin=shelf, delta=-1, reason_code="damaged_write_off", actor=None)
            return picked

        results = run_in_threads(act, 2)
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        assert results[0] == Order.Status.RELEASED and results[1] >= 1
        levels = list(StockLevel.objects.filter(product=product).values_list("allocated", flat=True))
        assert sorted(levels) == [2, 2 + PICKS]  # picked units stay allocated until shipped
    assert_stock_invariants()


def test_marks_are_one_per_product_and_warehouse_and_go_with_the_change_that_made_them():
    product = ProductFactory()
    east, west = BinFactory(), BinFactory()
    for _ in range(3):
        stock_receive(product=product, bin=east, qty=2, actor=None)
    stock_receive(product=product, bin=west, qty=1, actor=None)
    marks = sorted(AvailabilityChange.objects.filter(product=product).values_list("warehouse_id", flat=True))
    assert marks == sorted([east.warehouse_id, west.warehouse_id])

    AvailabilityChange.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        stock_adjust(product=product, bin=east, delta=-1, reason_code="lost", actor=None)
        raise RuntimeError("the use case failed after the stock change")
    assert not AvailabilityChange.objects.exists(), "a rolled-back change marks nothing"
    assert StockLevel.objects.get(product=product, warehouse=east.warehouse).on_hand == 6
