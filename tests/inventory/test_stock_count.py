"""Counted quantities applied by the IMS under its locks (`stock_count_set`), and the level locks that use
cases above the IMS take (`stock_levels_lock`)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from inventory.exceptions import InactiveBin, InvalidQuantity, WrongMerchant
from inventory.models import BinStock, Condition, Movement, StockLevel
from inventory.services.flags import stock_flag
from inventory.services.levels import stock_level_lock, stock_levels_lock
from inventory.services.stock import stock_count_set, stock_receive
from tests.factories import BinFactory, MerchantFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants


def qty_in(product, bin_, **filters) -> dict[str, int]:
    return dict(BinStock.objects.filter(product=product, bin=bin_, **filters).values_list("lot", "qty"))


@pytest.mark.django_db
class TestCountSet:
    def test_a_count_below_the_system_takes_the_variance_first_expiry_first_with_one_ledger_row_per_lot(self):
        product, bin_ = ProductFactory(), BinFactory()
        stock_receive(product=product, bin=bin_, qty=5, actor=None, lot="LATE", expiry=dt.date(2031, 1, 1))
        stock_receive(product=product, bin=bin_, qty=3, actor=None, lot="SOON", expiry=dt.date(2030, 1, 1))
        result = stock_count_set(product=product, bin=bin_, counted_qty=4, actor=None, reason="aisle 1 count",
                                 reference="count:1")
        assert (result.system_qty, result.counted_qty, result.variance) == (8, 4, -4)
        assert qty_in(product, bin_) == {"SOON": 0, "LATE": 4}
        moves = Movement.objects.filter(product=product, kind="adjust").order_by("id")
        assert [(m.lot, m.qty) for m in moves] == [("SOON", -3), ("LATE", -1)]
        assert all(m.reason == "Cycle count: aisle 1 count (counted 4, system 8)" and m.reference == "count:1" for m in moves)
        assert result.level.on_hand == 4
        assert_stock_invariants()

    def test_a_count_above_the_system_adds_to_the_largest_lot_and_a_lost_reason_becomes_found(self):
        product, bin_ = ProductFactory(), BinFactory()
        stock_receive(product=product, bin=bin_, qty=2, actor=None, lot="A")
        stock_receive(product=product, bin=bin_, qty=6, actor=None, lot="B")
        result = stock_count_set(product=product, bin=bin_, counted_qty=11, actor=None, reason_code="lost")
        assert result.variance == 3
        assert qty_in(product, bin_) == {"A": 2, "B": 9}
        move = Movement.objects.get(product=product, kind="adjust")
        assert (move.qty, move.bin_qty_after, move.reason) == (3, 9, "Found: (counted 11, system 8)")
        assert_stock_invariants()

    def test_a_count_of_an_empty_bin_creates_its_row_and_a_matching_count_writes_nothing(self):
        product, bin_ = ProductFactory(), BinFactory()
        assert stock_count_set(product=product, bin=bin_, counted_qty=3, actor=None).system_qty == 0
        assert qty_in(product, bin_) == {"": 3}
        again = stock_count_set(product=product, bin=bin_, counted_qty=3, actor=None)
        assert (again.variance, again.movements) == (0, [])
        assert Movement.objects.filter(product=product, kind="adjust").count() == 1
        assert_stock_invariants()

    def test_a_count_of_flagged_stock_keeps_it_unavailable(self):
        product, bin_ = ProductFactory(), BinFactory()
        stock_receive(product=product, bin=bin_, qty=6, actor=None)
        stock_flag(product=product, bin=bin_, actor=None, reason="short pick")
        stock_count_set(product=product, bin=bin_, counted_qty=2, actor=None)
        level = StockLevel.objects.get(product=product)
        assert (level.on_hand, level.unavailable, level.available) == (2, 2, 0)
        assert_stock_invariants()

    def test_only_the_counted_condition_changes(self):
        product, bin_ = ProductFactory(), BinFactory()
        stock_receive(product=product, bin=bin_, qty=4, actor=None)
        stock_receive(product=product, bin=bin_, qty=2, actor=None, condition=Condition.DAMAGED)
        stock_count_set(product=product, bin=bin_, counted_qty=1, actor=None, condition=Condition.DAMAGED)
        assert qty_in(product, bin_, condition=Condition.SELLABLE) == {"": 4}
        assert qty_in(product, bin_, condition=Condition.DAMAGED) == {"": 1}
        assert_stock_invariants()

    @pytest.mark.parametrize("counted", [-1, 2.5, "3", True, None])
    def test_a_bad_counted_quantity_is_refused_and_changes_nothing(self, counted):
        product, bin_ = ProductFactory(), BinFactory()
        stock_receive(product=product, bin=bin_, qty=4, actor=None)
        with pytest.raises(InvalidQuantity):
            stock_count_set(product=product, bin=bin_, counted_qty=counted, actor=None)
        assert qty_in(product, bin_) == {"": 4} and not Movement.objects.filter(kind="adjust").exists()

    def test_an_unknown_reason_an_inactive_bin_or_another_merchants_product_is_refused(self):
        product, bin_ = ProductFactory(), BinFactory()
        with pytest.raises(InvalidQuantity):
            stock_count_set(product=product, bin=bin_, counted_qty=1, actor=None, reason_code="guess")
        with pytest.raises(WrongMerchant):
            stock_count_set(product=product, bin=bin_, counted_qty=1, actor=None, merchant=MerchantFactory())
        inactive = BinFactory(is_active=False)
        with pytest.raises(InactiveBin):
            stock_count_set(product=product, bin=inactive, counted_qty=1, actor=None)
        assert not BinStock.objects.exists() and not Movement.objects.exists()


def _from_another_connection(sql: str, params) -> Exception | None:
    """Run `sql` on a fresh connection in another thread; the error it raised, if any."""
    outcome: list = []

    def run():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
                cursor.execute(sql, params)
            outcome.append(None)
        except Exception as exc:  # reported to the test
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_levels_are_locked_no_key_so_rows_that_reference_them_and_their_products_are_never_held_up():
    zone = ZoneFactory(warehouse=WarehouseFactory())
    products = [ProductFactory() for _ in range(3)]
    for product in products[:2]:
        stock_receive(product=product, bin=BinFactory(zone=zone), qty=1, actor=None)
    keys = [(p.pk, zone.warehouse_id) for p in reversed(products)]
    with transaction.atomic():
        levels = stock_levels_lock(keys=keys)
        assert set(levels) == set(keys)  # the missing one is created and locked too
        level = levels[keys[1]]  # committed before: visible to the other connection
        assert isinstance(_from_another_connection(
            "SELECT 1 FROM inventory_stocklevel WHERE id = %s FOR UPDATE", [level.pk]), OperationalError)
        # FOR KEY SHARE is what a foreign-key check takes: it passes a FOR NO KEY UPDATE lock.
        assert _from_another_connection("SELECT 1 FROM inventory_stocklevel WHERE id = %s FOR KEY SHARE", [level.pk]) is None
        assert _from_another_connection("SELECT 1 FROM inventory_product WHERE id = %s FOR UPDATE", [products[0].pk]) is None
        assert stock_level_lock(product_id=products[0].pk, warehouse_id=zone.warehouse_id).pk == levels[(products[0].pk, zone.warehouse_id)].pk


@pytest.mark.django_db(transaction=True)
def test_levels_are_locked_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        stock_levels_lock(keys=[(ProductFactory().pk, WarehouseFactory().pk)])
