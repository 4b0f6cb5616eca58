"""`stock_reserve` holds the hot level's lock for one statement and the commit: the guarded UPDATE, the
reservation, the availability mark and the reorder point come back from one round trip; the low-stock alert is
looked at only where a reorder point is set; a refusal leaves nothing behind."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.exceptions import InsufficientStock, ReservationError
from inventory.models import AvailabilityChange, LowStockAlert, ReorderRule, Reservation, StockLevel
from inventory.services.reservations import stock_pick, stock_reserve
from inventory.services.stock import stock_receive
from layout.models import Bin
from tests.factories import BinFactory, ProductFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    zone = ZoneFactory()
    product = ProductFactory()
    bin_ = BinFactory(zone=zone)
    stock_receive(product=product, bin=bin_, qty=10, actor=None)
    AvailabilityChange.objects.all().delete()
    return product, bin_, zone


def statements(seen) -> list[str]:
    return [q["sql"] for q in seen.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_reservation_is_one_statement_with_its_mark(shelf):
    product, _, zone = shelf
    with CaptureQueriesContext(connection) as seen:
        made = stock_reserve(product=product, warehouse=zone.warehouse, qty=3, order_line_id=41, actor=None)
    assert len(statements(seen)) == 1
    assert (made.qty, made.level.allocated, made.level.available, made.reservation.qty) == (3, 3, 7, 3)
    assert Reservation.objects.get(order_line_id=41).qty == 3
    assert StockLevel.objects.get(product=product).allocated == 3
    assert AvailabilityChange.objects.filter(product=product, warehouse=zone.warehouse).exists()
    again = stock_reserve(product=product, warehouse=zone.warehouse, qty=2, order_line_id=41, actor=None)
    assert again.reservation.qty == 5 and again.reservation.pk == made.reservation.pk
    assert_stock_invariants()


def test_a_warehouse_reorder_point_raises_the_alert_from_the_reservation(shelf):
    product, _, zone = shelf
    ReorderRule.objects.create(product=product, warehouse=zone.warehouse, reorder_point=4)
    stock_reserve(product=product, warehouse=zone.warehouse, qty=5, order_line_id=1, actor=None)  # 5 left
    assert not LowStockAlert.objects.exists()
    stock_reserve(product=product, warehouse=zone.warehouse, qty=1, order_line_id=2, actor=None)  # 4: crosses
    alert = LowStockAlert.objects.get()
    assert (alert.warehouse_id, alert.available_at_crossing, alert.reorder_point) == (zone.warehouse.pk, 4, 4)
    stock_reserve(product=product, warehouse=zone.warehouse, qty=1, order_line_id=3, actor=None)  # still under
    assert LowStockAlert.objects.count() == 1


def test_refusals_change_nothing(shelf):
    product, bin_, zone = shelf
    other = ProductFactory(merchant=product.merchant)
    stock_receive(product=other, bin=bin_, qty=5, actor=None)
    stock_reserve(product=product, warehouse=zone.warehouse, qty=2, order_line_id=7, actor=None)
    with pytest.raises(InsufficientStock):
        stock_reserve(product=product, warehouse=zone.warehouse, qty=9, order_line_id=8, actor=None)
    with pytest.raises(ReservationError):  # line 7 is reserved for the first product
        stock_reserve(product=other, warehouse=zone.warehouse, qty=1, order_line_id=7, actor=None)
    assert StockLevel.objects.get(product=other).allocated == 0
    assert not Reservation.objects.filter(order_line_id=8).exists()
    assert Reservation.objects.get(order_line_id=7).product_id == product.pk
    assert_stock_invariants()


def test_a_pick_the_reservation_no_longer_covers_is_refused_and_undone(shelf):
    product, bin_, zone = shelf
    tote = BinFactory(zone=zone, kind=Bin.Kind.TOTE, is_pickable=False)
    reserved = stock_reserve(product=product, warehouse=zone.warehouse, qty=1, order_line_id=9, actor=None).reservation
    with pytest.raises(ReservationError):
        stock_pick(reservation=reserved, from_bin=bin_, to_bin=tote, qty=2, actor=None)
    assert not tote.stock.exists() or tote.stock.get().qty == 0
    assert Reservation.objects.get(pk=reserved.pk).qty == 1
    assert_stock_invariants()
