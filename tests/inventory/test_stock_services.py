import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from inventory.exceptions import (
    InactiveBin,
    InsufficientStock,
    InvalidQuantity,
    ReservationError,
    WrongMerchant,
    WrongWarehouse,
)
from inventory.models import BinStock, LowStockAlert, Movement, ReorderRule, StockLevel
from inventory.selectors import (
    available_to_sell,
    available_to_sell_by_sku,
    movement_history,
    on_hand_as_of,
    stock_by_condition,
)
from inventory.services.flags import stock_flag, stock_unflag
from inventory.services.reservations import stock_pick, stock_release, stock_reserve, stock_ship, stock_unpick
from inventory.services.stock import (
    stock_adjust,
    stock_change_condition,
    stock_flush,
    stock_move,
    stock_receive,
)
from layout.models import Bin
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    zone = ZoneFactory()
    product = ProductFactory()
    return {
        "product": product,
        "a": BinFactory(zone=zone),
        "b": BinFactory(zone=zone),
        "tote": BinFactory(zone=zone, kind=Bin.Kind.TOTE, is_pickable=False),
        "user": UserFactory(),
        "warehouse": zone.warehouse,
    }


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def test_receive_move_pick_ship_keeps_levels_bins_and_ledger_together(world):
    p, a, b, tote, user, wh = (world[k] for k in ("product", "a", "b", "tote", "user", "warehouse"))
    result = stock_receive(product=p, bin=a, qty=10, actor=user, reference="po:1")
    assert result.level.on_hand == 10 and result.level.available == 10
    assert [(m.qty, m.kind, m.reference, m.actor_label) for m in result.movements] == [(10, "receive", "po:1", user.username)]
    stock_move(product=p, from_bin=a, to_bin=b, qty=4, actor=user, reason="replenish")
    reserved = stock_reserve(product=p, warehouse=wh, qty=3, order_line_id=501, actor=user)
    assert reserved.level.allocated == 3 and reserved.level.available == 7
    picked = stock_pick(reservation=reserved.reservation, from_bin=b, to_bin=tote, qty=3, actor=user)
    assert picked.reservation.qty == 0 and picked.reservation.picked_qty == 3
    assert picked.level.available == 7, "picked units stay allocated until they ship"
    shipped = stock_ship(reservation=picked.reservation, from_bin=tote, qty=3, actor=user, reference="shipment:9")
    assert shipped.level.on_hand == 7 and shipped.level.allocated == 0 and shipped.level.available == 7
    assert BinStock.objects.get(bin=tote).qty == 0
    assert_stock_invariants()


@pytest.mark.parametrize("qty", [0, -1, 2.5, "3", True])
def test_zero_negative_or_non_integer_quantities_are_refused_and_change_nothing(world, qty):
    with pytest.raises(InvalidQuantity):
        stock_receive(product=world["product"], bin=world["a"], qty=qty, actor=None)
    assert not Movement.objects.exists() and not BinStock.objects.exists()


def test_taking_more_than_the_bin_holds_is_refused_and_changes_nothing(world):
    p, a, b = world["product"], world["a"], world["b"]
    stock_receive(product=p, bin=a, qty=5, actor=None)
    with pytest.raises(InsufficientStock, match=f"bin {a.code} holds 5"):
        stock_move(product=p, from_bin=a, to_bin=b, qty=6, actor=None)
    with pytest.raises(InsufficientStock):
        stock_adjust(product=p, bin=a, delta=-6, reason_code="lost", actor=None)
    assert BinStock.objects.get(bin=a).qty == 5 and Movement.objects.count() == 1
    assert_stock_invariants()


def test_inactive_bins_other_warehouses_and_other_merchants_are_refused(world):
    p, a = world["product"], world["a"]
    closed = BinFactory(zone=a.zone, is_active=False)
    elsewhere = BinFactory()
    with pytest.raises(InactiveBin):
        stock_receive(product=p, bin=closed, qty=1, actor=None)
    stock_receive(product=p, bin=a, qty=2, actor=None)
    with pytest.raises(WrongWarehouse, match="another warehouse"):
        stock_move(product=p, from_bin=a, to_bin=elsewhere, qty=1, actor=None)
    with pytest.raises(WrongMerchant, match="another merchant"):
        stock_receive(product=p, bin=a, qty=1, actor=None, merchant=MerchantFactory())
    assert level(p, a.warehouse).on_hand == 2
    assert_stock_invariants()


def test_reservations_never_exceed_available_and_release_gives_back(world):
    p, a, wh = world["product"], world["a"], world["warehouse"]
    stock_receive(product=p, bin=a, qty=5, actor=None)
    first = stock_reserve(product=p, warehouse=wh, qty=4, order_line_id=1, actor=None)
    with pytest.raises(InsufficientStock, match="1 of"):
        stock_reserve(product=p, warehouse=wh, qty=2, order_line_id=2, actor=None)
    partial = stock_reserve(product=p, warehouse=wh, qty=2, order_line_id=2, actor=None, allow_partial=True)
    assert partial.qty == 1 and partial.level.available == 0
    released = stock_release(reservation=first.reservation, actor=None, qty=3)
    assert released.level.available == 3 and released.reservation.qty == 1
    with pytest.raises(ReservationError):
        stock_release(reservation=first.reservation, actor=None, qty=5)
    assert_stock_invariants()


def test_cancel_after_pick_puts_units_back_through_the_ledger(world):
    p, a, tote, wh = world["product"], world["a"], world["tote"], world["warehouse"]
    stock_receive(product=p, bin=a, qty=5, actor=None)
    r = stock_reserve(product=p, warehouse=wh, qty=2, order_line_id=7, actor=None).reservation
    stock_pick(reservation=r, from_bin=a, to_bin=tote, qty=2, actor=None)
    back = stock_unpick(reservation=r, from_bin=tote, to_bin=a, qty=2, actor=None, reason="order cancelled")
    assert back.level.allocated == 0 and back.level.available == 5
    assert [m.kind for m in movement_history(bin=tote)] == ["unpick", "pick"]
    assert_stock_invariants()


def test_flagged_stock_is_unavailable_and_cannot_be_picked_until_unflagged(world):
    p, a, b, tote, wh = (world[k] for k in ("product", "a", "b", "tote", "warehouse"))
    stock_receive(product=p, bin=a, qty=4, actor=None)
    stock_receive(product=p, bin=b, qty=1, actor=None)
    stock_flag(product=p, bin=a, actor="picker-1", reason="pick failure: bin empty", reference="discrepancy:1")
    assert level(p, wh).available == 1
    r = stock_reserve(product=p, warehouse=wh, qty=1, order_line_id=3, actor=None).reservation
    with pytest.raises(InsufficientStock):
        stock_pick(reservation=r, from_bin=a, to_bin=tote, qty=1, actor=None)
    stock_receive(product=p, bin=a, qty=2, actor=None)  # new units into a flagged bin are flagged too
    assert level(p, wh).available == 0
    stock_unflag(product=p, bin=a, actor="manager", reason="recounted")
    assert level(p, wh).available == 6
    assert_stock_invariants()


def test_condition_changes_and_flush_write_off_value(world):
    p, a, wh = world["product"], world["a"], world["warehouse"]
    stock_receive(product=p, bin=a, qty=6, actor=None)
    stock_change_condition(product=p, bin=a, qty=2, from_condition="sellable", to_condition="damaged", actor=None, reason="crushed")
    assert level(p, wh).available == 4
    assert stock_by_condition(p) == {"sellable": 4, "damaged": 2}
    flushed = stock_flush(product=p, bin=a, qty=2, disposition="destroy", actor=None, reason="crushed")
    assert flushed.value_written_off == p.unit_cost * 2
    assert level(p, wh).on_hand == 4 and level(p, wh).unavailable == 0
    with pytest.raises(InvalidQuantity, match="unknown disposition"):
        stock_flush(product=p, bin=a, qty=1, disposition="burn", actor=None, reason="x", condition="sellable")
    assert_stock_invariants()


def test_lots_keep_expiry_and_leave_first_expiry_first(world):
    p, a, b = world["product"], world["a"], world["b"]
    stock_receive(product=p, bin=a, qty=3, actor=None, lot="LATE", expiry=dt.date(2027, 6, 30))
    stock_receive(product=p, bin=a, qty=3, actor=None, lot="EARLY", expiry=dt.date(2027, 1, 31))
    moved = stock_move(product=p, from_bin=a, to_bin=b, qty=4, actor=None)
    taken = [(m.lot, m.qty) for m in moved.movements if m.qty < 0]
    assert taken == [("EARLY", -3), ("LATE", -1)]
    assert BinStock.objects.get(bin=b, lot="EARLY").expiry == dt.date(2027, 1, 31)


def test_adjust_needs_a_known_reason_code(world):
    with pytest.raises(InvalidQuantity, match="unknown adjustment reason"):
        stock_adjust(product=world["product"], bin=world["a"], delta=3, reason_code="vibes", actor=None)
    stock_adjust(product=world["product"], bin=world["a"], delta=3, reason_code="found", actor=None, reason="behind shelf")
    assert Movement.objects.get().reason == "Found: behind shelf"


def test_the_ledger_cannot_be_updated_or_deleted(world):
    stock_receive(product=world["product"], bin=world["a"], qty=1, actor=None)
    movement = Movement.objects.get()
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        Movement.objects.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("UPDATE inventory_movement SET qty = 99")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM inventory_movement")
    assert Movement.objects.get().qty == 1


def test_bin_stock_qty_check_constraint_is_the_last_line_of_defence(world):
    stock_receive(product=world["product"], bin=world["a"], qty=1, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        from django.db.models import F

        BinStock.objects.update(qty=F("qty") - 5)


def test_selectors_as_of_history_and_available_to_sell(world):
    p, a, wh = world["product"], world["a"], world["warehouse"]
    other_wh_bin = BinFactory()
    stock_receive(product=p, bin=a, qty=5, actor=world["user"])
    checkpoint = Movement.objects.get().created_at
    stock_receive(product=p, bin=other_wh_bin, qty=7, actor=None)
    stock_adjust(product=p, bin=a, delta=-2, reason_code="lost", actor=None)
    assert on_hand_as_of(p, warehouse=wh, at=checkpoint) == 5
    assert level(p, wh).on_hand == 3
    assert available_to_sell(p) == 10
    assert available_to_sell_by_sku(p.merchant) == {p.sku: 10}
    history = list(movement_history(product=p, warehouse=wh))
    assert [(m.qty, m.kind) for m in history] == [(-2, "adjust"), (5, "receive")]
    assert history[1].actor_label == world["user"].username


def test_low_stock_raises_once_per_crossing_and_recovers(world):
    p, a, wh = world["product"], world["a"], world["warehouse"]
    p.reorder_point = 5
    p.save()
    ReorderRule.objects.create(product=p, warehouse=wh, reorder_point=2)
    stock_receive(product=p, bin=a, qty=10, actor=None)
    assert not LowStockAlert.objects.exists()
    stock_adjust(product=p, bin=a, delta=-5, reason_code="lost", actor=None)  # 5: crosses product-wide point
    stock_adjust(product=p, bin=a, delta=-1, reason_code="lost", actor=None)  # 4: still under, no new alert
    assert LowStockAlert.objects.filter(warehouse=None).count() == 1
    stock_adjust(product=p, bin=a, delta=-2, reason_code="lost", actor=None)  # 2: crosses the warehouse point
    assert LowStockAlert.objects.filter(warehouse=wh, recovered_at=None).count() == 1
    stock_receive(product=p, bin=a, qty=10, actor=None)  # recovers both
    assert not LowStockAlert.objects.filter(recovered_at=None).exists()
    stock_adjust(product=p, bin=a, delta=-8, reason_code="lost", actor=None)  # crosses again: a new alert
    assert LowStockAlert.objects.filter(warehouse=None).count() == 2
