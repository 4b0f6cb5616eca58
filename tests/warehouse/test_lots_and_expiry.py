"""Lots and expiry: a merchant's minimum shelf life decides which lots are picked, expired lots are blocked by
the beat job through the ledger, and a lot recall flags every bin holding the lot and lists every order that
shipped it."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import Conflict
from inventory.models import BinStock, Condition, Movement, StockLevel
from inventory.services.expiry import stock_expired_block
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.packing import carton_types
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import LotRecall, PickLine
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.packing import pack_scan, pack_start
from warehouse.outbound.services.picking import pick_scan
from warehouse.outbound.services.recall import RecallRefused, lot_recall, shipped_orders_of_lot
from wms_project.celery import app

pytestmark = pytest.mark.django_db


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def ps():
    site = build_pick_site(shelves=4, totes=4)
    site.warehouse.address_line1 = "100 Port St"
    site.warehouse.save()
    carton_types()
    return site


@pytest.mark.parametrize(("min_days", "picked_lot"), [(0, "SHORT"), (30, "LONG")])
def test_the_merchants_minimum_shelf_life_decides_which_lot_is_picked(ps, min_days, picked_lot):
    ps.merchant.min_shelf_life_days = min_days
    ps.merchant.save()
    milk = product(ps)
    put(milk, ps.shelves[0], 5, lot="GONE", expiry=in_days(-1))  # expired: never picked
    put(milk, ps.shelves[1], 5, lot="SHORT", expiry=in_days(10))
    put(milk, ps.shelves[2], 5, lot="LONG", expiry=in_days(90))
    released(ps, [(milk, 3)])
    planned_and_claimed(ps)
    assert set(PickLine.objects.values_list("lot", flat=True)) == {picked_lot}


def test_expired_lots_are_quarantined_by_the_beat_job_through_the_ledger_and_fresh_ones_stay(ps):
    milk = product(ps)
    put(milk, ps.shelves[0], 4, lot="OLD", expiry=in_days(-2))
    put(milk, ps.shelves[0], 6, lot="NEW", expiry=in_days(20))
    assert "inventory.block_expired" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    outcome = stock_expired_block()
    assert outcome == {"blocked_rows": 1, "blocked_units": 4, "left": 0}
    rows = {(r.lot, r.condition): r.qty for r in BinStock.objects.filter(product=milk, qty__gt=0)}
    assert rows == {("OLD", Condition.QUARANTINED): 4, ("NEW", Condition.SELLABLE): 6}
    level = StockLevel.objects.get(product=milk)
    assert (level.on_hand, level.unavailable) == (10, 4)
    assert Movement.objects.filter(product=milk, kind="condition", reference__startswith="expiry:").count() == 2
    assert stock_expired_block() == {"blocked_rows": 0, "blocked_units": 0, "left": 0}  # safe to run twice
    assert_stock_invariants()


def ship(ps, lines):
    packer = UserFactory(role="packer")
    order = released(ps, lines)
    session = planned_and_claimed(ps)
    while (line := current_line(session)) is not None:
        pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=ps.picker)
        pick_scan(session=session, raw=f"x{line.remaining}", actor=ps.picker)
        pick_scan(session=session, raw=line.product.sku, actor=ps.picker)
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=order.order_number, actor=packer)
    for item, qty in lines:
        pack_scan(pack=pack, raw=f"x{qty}", actor=packer)
        pack_scan(pack=pack, raw=item.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    manifest_close(warehouse=ps.warehouse, carrier=Shipment.objects.get(carton__pack=pack).carrier, actor=ps.manager)
    return order


def test_a_recall_flags_every_bin_of_the_lot_and_lists_every_order_that_shipped_it(ps):
    jam = product(ps)
    put(jam, ps.shelves[0], 3, lot="L1", expiry=in_days(100))
    first = ship(ps, [(jam, 2)])
    second = ship(ps, [(jam, 1)])
    put(jam, ps.shelves[1], 5, lot="L1", expiry=in_days(100))
    put(jam, ps.shelves[2], 5, lot="L2", expiry=in_days(200))
    third = ship(ps, [(jam, 1)])  # first expiry first: from the second L1 shelf, not from L2

    report = lot_recall(merchant=ps.merchant, product=jam, lot="L1", reason="supplier notice 44", actor=ps.manager)
    assert report.flagged_bins == [f"{ps.warehouse.code}/{ps.shelves[1].code}"] and report.units_held == 4
    assert {(s.order_number, s.qty) for s in report.shipped} == {
        (first.order_number, 2), (second.order_number, 1), (third.order_number, 1)}
    assert all(s.tracking_numbers for s in report.shipped)
    assert BinStock.objects.get(bin=ps.shelves[1], product=jam, lot="L1").is_flagged
    assert not BinStock.objects.get(bin=ps.shelves[2], product=jam, lot="L2").is_flagged
    assert StockLevel.objects.get(product=jam).unavailable == 4
    assert_stock_invariants()

    with pytest.raises(Conflict, match="already recalled"):
        lot_recall(merchant=ps.merchant, product=jam, lot="L1", reason="again", actor=ps.manager)
    with pytest.raises(RecallRefused, match="names a lot"):
        lot_recall(merchant=ps.merchant, product=jam, lot="  ", reason="x", actor=ps.manager)
    assert LotRecall.objects.count() == 1
    assert shipped_orders_of_lot(product_id=jam.pk, lot="L2") == []
