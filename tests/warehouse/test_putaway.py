"""Putaway: suggestions (consolidate, velocity, capacity, zone), confirm or override with a reason,
claims never shared, dock-to-stock recorded."""

import datetime as dt

import pytest

from core import roles
from inventory.models import BinStock, Condition
from inventory.services.stock import stock_receive
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, UserFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import build_site, gs1, gtin_of, make_po, new_product
from warehouse.inbound.services.putaway import (
    PutawayRefused,
    putaway_claim_next,
    putaway_confirm,
    putaway_release,
    putaway_scan,
)
from warehouse.inbound.services.receiving import receipt_close, receipt_open, receiving_scan
from warehouse.models import PutawayStep, PutawayTask, Receipt


def received(site, product, qty, *, lot=None, expiry=None, damaged=False):
    po = make_po(site, [(product, qty)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    if damaged:
        receiving_scan(receipt=receipt, raw="CMD:DAMAGED", actor=site.receiver)
    raw = gs1(gtin_of(product), lot=lot, expiry=expiry, count=qty) if lot else None
    if raw is None:
        receiving_scan(receipt=receipt, raw=f"x{qty}", actor=site.receiver)
        raw = product.sku
    receiving_scan(receipt=receipt, raw=raw, actor=site.receiver)
    return receipt_close(receipt=receipt, actor=site.receiver)


@pytest.mark.django_db
class TestSuggestions:
    def test_a_bin_already_holding_the_sku_with_room_comes_first(self):
        site = build_site(capacity=50)
        product = new_product(site)
        far = site.shelves[-1]
        stock_receive(product=product, bin=far, qty=10, actor="seed")
        received(site, product, 20)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        assert task.suggested_bin == far and "same SKU" in task.suggestion_reason

    def test_a_full_bin_of_the_same_sku_is_skipped(self):
        site = build_site(capacity=25)
        product = new_product(site)
        stock_receive(product=product, bin=site.shelves[2], qty=20, actor="seed")
        received(site, product, 10)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        assert task.suggested_bin not in (site.shelves[2], None)

    def test_fast_movers_go_near_pack_out_and_slow_movers_away_from_it(self):
        site = build_site()
        fast, slow = new_product(site), new_product(site)
        # 40 units of recent picks make `fast` a fast mover (threshold: 1 a day over 30 days)
        tote = BinFactory(zone=site.pack.zone, code="T-1", kind="tote")
        _picks(fast, site, 40, tote)
        received(site, fast, 5)
        received(site, slow, 5)
        fast_task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        other = UserFactory(role=roles.RECEIVER)
        slow_task = putaway_claim_next(warehouse=site.warehouse, actor=other)
        assert fast_task.product == fast and fast_task.suggested_bin == site.shelves[0]
        assert "fast mover (40 picked" in fast_task.suggestion_reason
        assert slow_task.suggested_bin == site.shelves[-1] and "slow mover" in slow_task.suggestion_reason

    def test_two_tasks_are_not_sent_to_the_same_empty_bin_beyond_its_capacity(self):
        site = build_site(shelves=2, capacity=10)
        a, b = new_product(site), new_product(site)
        received(site, a, 8)
        received(site, b, 8)
        first = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        second = putaway_claim_next(warehouse=site.warehouse, actor=UserFactory(role=roles.RECEIVER))
        assert first.suggested_bin != second.suggested_bin

    def test_damaged_units_go_to_quarantine(self):
        site = build_site()
        product = new_product(site)
        received(site, product, 2, damaged=True)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        assert task.condition == Condition.DAMAGED and task.suggested_bin == site.quarantine


def _picks(product, site, qty, tote):
    """Record real PICK movements through the reservation services (what a pick session does)."""
    from inventory.services.reservations import stock_pick, stock_reserve

    stock_receive(product=product, bin=site.shelves[3], qty=qty, actor="seed")
    reserved = stock_reserve(product=product, warehouse=site.warehouse, qty=qty, order_line_id=999_001, actor="seed")
    stock_pick(reservation=reserved.reservation, from_bin=site.shelves[3], to_bin=tote, qty=qty, actor="seed")


@pytest.mark.django_db
class TestConfirm:
    def test_scanning_the_suggested_bin_moves_the_units_and_records_dock_to_stock(self):
        site = build_site()
        product = new_product(site)
        receipt = received(site, product, 12, lot="L9", expiry="271231")
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        target = task.suggested_bin
        reply = putaway_scan(task=task, raw=target.barcode, actor=site.receiver)
        assert reply.ok and reply.data["done"]
        row = BinStock.objects.get(bin=target, product=product)
        assert (row.qty, row.lot, row.expiry) == (12, "L9", dt.date(2027, 12, 31))
        assert not BinStock.objects.filter(bin=site.dock, qty__gt=0).exists()
        receipt.refresh_from_db()
        assert receipt.status == Receipt.Status.STOCKED and receipt.dock_to_stock_seconds is not None
        assert receipt.dock_to_stock_seconds >= 0
        assert_stock_invariants()

    def test_typed_quantity_puts_part_away_and_the_task_stays_claimed(self):
        site = build_site()
        product = new_product(site)
        received(site, product, 10)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        putaway_scan(task=task, raw="x4", actor=site.receiver)
        reply = putaway_scan(task=task, raw=task.suggested_bin.barcode, actor=site.receiver)
        assert reply.data["remaining"] == 6
        task.refresh_from_db()
        assert (task.status, task.put_qty) == (PutawayTask.Status.CLAIMED, 4)
        with pytest.raises(PutawayRefused, match="only 6 left"):
            putaway_scan(task=task, raw="x7", actor=site.receiver)

    def test_another_bin_needs_a_reason_which_is_kept(self):
        site = build_site()
        product = new_product(site)
        received(site, product, 3)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        other = next(b for b in site.shelves if b != task.suggested_bin)
        prompt = putaway_scan(task=task, raw=other.barcode, actor=site.receiver)
        assert prompt.data["needs_reason"] and "Why?" in prompt.message
        assert not BinStock.objects.filter(bin=other).exists()
        done = putaway_scan(task=task, raw="1", actor=site.receiver)
        assert done.data["done"] and done.data["bin"] == other.code
        step = PutawayStep.objects.get(task=task)
        assert (step.to_bin, step.suggested_bin, step.override_reason) == (other, task.suggested_bin, "bin_full")
        with pytest.raises(PutawayRefused, match="give a reason"):
            received(site, product, 1)
            again = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
            putaway_confirm(task=again, to_bin=next(b for b in site.shelves if b != again.suggested_bin), qty=1,
                            actor=site.receiver)

    def test_wrong_zone_full_bin_other_warehouse_and_wrong_item_are_refused_and_change_nothing(self):
        site = build_site(capacity=5)
        product, stranger = new_product(site), new_product(site)
        received(site, product, 5)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        stock_receive(product=stranger, bin=site.shelves[0], qty=3, actor="seed")
        BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory()), code="Z-99")
        before = list(BinStock.objects.order_by("pk").values_list("pk", "qty"))
        for raw, words in [
            (site.pack.barcode, "packing"),
            (site.quarantine.barcode, "quarantine"),
            (site.shelves[0].barcode, "room for 2"),
            ("BIN:Z-99", "in warehouse"),
            (stranger.sku, "wrong item"),
        ]:
            with pytest.raises(PutawayRefused, match=words):
                putaway_scan(task=task, raw=raw, actor=site.receiver)
        assert list(BinStock.objects.order_by("pk").values_list("pk", "qty")) == before

    def test_a_task_is_only_worked_by_whoever_claimed_it_and_a_manager_can_release_it(self):
        site = build_site()
        product = new_product(site)
        received(site, product, 2)
        task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
        intruder = UserFactory(role=roles.RECEIVER)
        with pytest.raises(PutawayRefused, match="belongs to"):
            putaway_scan(task=task, raw=task.suggested_bin.barcode, actor=intruder)
        assert putaway_claim_next(warehouse=site.warehouse, actor=intruder) is None
        putaway_release(task=task, actor=site.manager)
        assert putaway_claim_next(warehouse=site.warehouse, actor=intruder).pk == task.pk


@pytest.mark.django_db(transaction=True)
def test_twenty_operators_claiming_at_once_never_share_a_task():
    site = build_site(shelves=30, capacity=None)
    for _ in range(12):
        received(site, new_product(site), 2)
    operators = [UserFactory(role=roles.RECEIVER) for _ in range(20)]

    def claim(i):
        task = putaway_claim_next(warehouse=site.warehouse, actor=operators[i])
        return task.pk if task else None

    results = run_in_threads(claim, 20)
    claimed = [pk for pk in results if pk is not None]
    assert len(claimed) == 12 and len(set(claimed)) == 12
    assert PutawayTask.objects.filter(status=PutawayTask.Status.CLAIMED).values("claimed_by").distinct().count() == 12
