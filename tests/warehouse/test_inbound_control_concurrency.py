"""Inbound and inventory-control work against picking on real PostgreSQL, started together by a barrier and
repeated: no deadlock, no lost update, the stock invariants hold after every round.

The shapes come from the lock order: a putaway, a count or a discrepancy resolution used to take a plain
FOR UPDATE on the Bin or Product row, which the pick's ledger inserts need FOR KEY SHARE on, while the pick
held the StockLevel the other side was about to lock."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from core import roles
from inventory.models import BinStock, Movement, StockFlag, StockLevel
from inventory.services.flags import stock_flag
from inventory.services.stock import stock_count_set, stock_move, stock_receive
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import make_po
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.control.services.discrepancies import count_task_complete, discrepancy_resolve
from warehouse.inbound.services.putaway import putaway_claim_next, putaway_confirm
from warehouse.models import CountTask, Discrepancy, PickLine, PutawayOverrideReason, PutawayTask, Receipt
from warehouse.outbound.services.pick_failures import pick_fail
from warehouse.outbound.services.picking import pick_claim_next, pick_confirm, pick_scan
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20


def held(product_, bin_) -> int:
    return sum(BinStock.objects.filter(product=product_, bin=bin_).values_list("qty", flat=True))


def ready_pick_line(ps, product_, qty: int, bin_) -> tuple[PickLine, object]:
    """An order for `qty` of `product_` released, planned and claimed by a fresh picker, standing at `bin_`."""
    released(ps, [(product_, qty)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    picker = UserFactory(role=roles.PICKER)
    session = pick_claim_next(warehouse=ps.warehouse, actor=picker)
    line = session.lines.get(product=product_)
    assert line.bin_id == bin_.pk, (line.bin.code, bin_.code)
    pick_scan(session=session, raw=f"BIN:{bin_.code}", actor=picker)
    line.refresh_from_db()
    return line, picker


def claimed_putaway(ps, product_, qty: int) -> PutawayTask:
    """`qty` units received at the dock on a receipt awaiting putaway, the task claimed by the receiver."""
    po = make_po(ps.site, [(product_, qty)])
    receipt = Receipt.objects.create(purchase_order=po, warehouse=ps.warehouse, dock_bin=ps.dock,
                                     status=Receipt.Status.PUTAWAY)
    stock_receive(product=product_, bin=ps.dock, qty=qty, actor=None, reference=f"receipt:{receipt.pk}")
    PutawayTask.objects.create(receipt=receipt, warehouse=ps.warehouse, product=product_, from_bin=ps.dock, qty=qty)
    return putaway_claim_next(warehouse=ps.warehouse, actor=ps.receiver, product=product_)


def open_discrepancy(ps, product_, bin_) -> Discrepancy:
    """A discrepancy left open on (product, bin) by an earlier failed pick: the stock there is flagged."""
    discrepancy = Discrepancy.objects.create(warehouse=ps.warehouse, product=product_, bin=bin_, kind="short",
                                             expected_qty=held(product_, bin_), found_qty=0)
    stock_flag(product=product_, bin=bin_, actor=ps.manager, reason=f"D-{discrepancy.pk}",
               reference=f"discrepancy:{discrepancy.pk}")
    return discrepancy


def no_errors(results) -> None:
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors


def test_putaway_into_an_occupied_pick_face_while_that_face_is_picked():
    ps = build_pick_site(shelves=3, totes=ROUNDS + 2)
    face = ps.shelves[0]
    for n in range(ROUNDS):
        item = product(ps)
        put(item, face, 10)
        line, picker = ready_pick_line(ps, item, 2, face)
        task = claimed_putaway(ps, item, 5)
        reason = PutawayOverrideReason.CONSOLIDATE if task.suggested_bin_id != face.pk else ""

        results = run_in_threads(lambda i, task=task, reason=reason, line=line, picker=picker: (
            putaway_confirm(task=task, to_bin=face, qty=5, actor=ps.receiver, override_reason=reason) if i == 0
            else pick_confirm(line=line, qty=2, actor=picker)
        ), 2)

        no_errors(results)
        assert held(item, face) == 10 + 5 - 2, f"round {n}"
        assert held(item, ps.dock) == 0
        assert PutawayTask.objects.get(pk=task.pk).status == PutawayTask.Status.DONE
        assert PickLine.objects.get(pk=line.pk).status == PickLine.Status.PICKED
        assert_stock_invariants()


def test_a_count_against_a_pick_on_the_same_bin_is_applied_to_the_quantity_it_saw():
    ps = build_pick_site(shelves=3, totes=ROUNDS + 2)
    face = ps.shelves[0]
    for n in range(ROUNDS):
        item = product(ps)
        put(item, face, 10)
        line, picker = ready_pick_line(ps, item, 2, face)
        task = CountTask.objects.create(warehouse=ps.warehouse, bin=face, product=item)

        def count(task=task, item=item, n=n):
            if n % 2:
                return count_task_complete(task=task, counted_qty=9, actor=ps.manager).system_qty
            return stock_count_set(product=item, bin=face, counted_qty=9, actor=ps.manager).system_qty

        results = run_in_threads(
            lambda i, line=line, picker=picker: count() if i == 0 else pick_confirm(line=line, qty=2, actor=picker), 2)

        no_errors(results)
        system_qty = results[0]
        # Counted before the pick: 9, then the pick takes 2. Counted after it: the system follows the count.
        assert system_qty in (10, 8), f"round {n}: the count saw {system_qty}"
        assert held(item, face) == (7 if system_qty == 10 else 9), f"round {n}"
        count_move = Movement.objects.get(product=item, bin=face, kind="adjust")
        assert count_move.bin_qty_after == 9 and count_move.qty == 9 - system_qty
        assert PickLine.objects.get(pk=line.pk).status == PickLine.Status.PICKED
        assert_stock_invariants()


@pytest.mark.parametrize("shape", ["same_bin_other_product", "same_product_other_bin"])
def test_a_discrepancy_resolution_against_a_pick_failure_at_the_same_bin(shape):
    ps = build_pick_site(shelves=4, totes=ROUNDS + 2)
    face, other = ps.shelves[0], ps.shelves[1]
    for n in range(ROUNDS // 2):
        item = product(ps)
        if shape == "same_bin_other_product":
            counted_item = product(ps)
            put(counted_item, face, 4)
            counted_bin = pick_bin = face
        else:
            counted_item, counted_bin, pick_bin = item, other, face
        put(item, pick_bin, 4)
        discrepancy = open_discrepancy(ps, counted_item, counted_bin) if shape == "same_bin_other_product" else None
        if shape == "same_product_other_bin":
            put(item, other, 4)
            discrepancy = open_discrepancy(ps, item, other)
        line, picker = ready_pick_line(ps, item, 3, pick_bin)
        task = None
        if n % 2:
            discrepancy_resolve(discrepancy=discrepancy, resolution="recount", actor=ps.manager)
            task = discrepancy.count_tasks.get()

        def resolve(discrepancy=discrepancy, task=task):
            if task is not None:
                return count_task_complete(task=task, counted_qty=2, actor=ps.manager)
            return discrepancy_resolve(discrepancy=discrepancy, resolution="adjusted", actor=ps.manager, counted_qty=2)

        results = run_in_threads(lambda i, line=line, picker=picker: (
            resolve() if i == 0 else pick_fail(line=line, kind="short", actor=picker, found_qty=1)
        ), 2)

        no_errors(results)
        assert Discrepancy.objects.get(pk=discrepancy.pk).status == Discrepancy.Status.RESOLVED
        raised = Discrepancy.objects.get(pick_line=line)
        assert (raised.status, raised.bin_id, raised.product_id) == (Discrepancy.Status.OPEN, pick_bin.pk, item.pk)
        assert held(counted_item, counted_bin) == 2, f"round {n}"
        assert held(item, pick_bin) == 4 - 1  # the one unit found was picked; the rest is flagged for the count
        assert not StockFlag.objects.filter(product=counted_item, bin=counted_bin, cleared_at__isnull=True).exists()
        assert StockFlag.objects.filter(product=item, bin=pick_bin, cleared_at__isnull=True).exists()
        assert_stock_invariants()


def _waiting_on_a_lock(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _count_while_another_write_commits(write, count) -> list:
    """`write` runs in its own transaction and holds it open until `count` (in another thread) is waiting on a
    lock; then `write` commits and `count` carries on. A count that read the bin before waiting applies its
    variance to a quantity that has changed meanwhile."""
    written, counter_pid, go = threading.Event(), [], threading.Event()

    def writer():
        with transaction.atomic():
            write()
            written.set()
            assert go.wait(60)

    def counter():
        assert written.wait(60)
        counter_pid.append(_backend_pid())
        return count()

    def referee():
        assert written.wait(60)
        while not counter_pid:
            time.sleep(0.005)
        _waiting_on_a_lock(counter_pid[0])
        go.set()

    return run_in_threads(lambda i: (writer, counter, referee)[i](), 3)


def test_a_discrepancy_adjusted_while_units_arrive_in_the_bin_ends_at_the_counted_quantity():
    ps = build_pick_site(shelves=3, totes=ROUNDS + 2)
    face, overflow = ps.shelves[0], ps.shelves[1]
    item = product(ps)
    put(item, face, 4)
    put(item, overflow, 6)
    discrepancy = open_discrepancy(ps, item, face)

    results = _count_while_another_write_commits(
        lambda: stock_move(product=item, from_bin=overflow, to_bin=face, qty=2, actor=ps.manager),
        lambda: discrepancy_resolve(discrepancy=discrepancy, resolution="adjusted", actor=ps.manager, counted_qty=1),
    )

    no_errors(results)
    # The two units moved in committed before the count was applied: the bin holds what was counted.
    assert held(item, face) == 1
    adjust = Movement.objects.get(product=item, bin=face, kind="adjust")
    assert (adjust.qty, adjust.bin_qty_after) == (-5, 1)
    assert StockLevel.objects.get(product=item, warehouse=ps.warehouse).on_hand == 1 + 4
    assert_stock_invariants()


def test_a_count_applied_while_a_pick_commits_ends_at_the_counted_quantity():
    ps = build_pick_site(shelves=3, totes=ROUNDS + 2)
    face = ps.shelves[0]
    item = product(ps)
    put(item, face, 10)
    line, picker = ready_pick_line(ps, item, 2, face)

    results = _count_while_another_write_commits(
        lambda: pick_confirm(line=line, qty=2, actor=picker),
        lambda: stock_count_set(product=item, bin=face, counted_qty=7, actor=ps.manager),
    )

    no_errors(results)
    assert results[1].system_qty == 8 and results[1].variance == -1
    assert held(item, face) == 7
    assert_stock_invariants()
