"""A pick failure against the other work that meets it on the same rows, in real threads on PostgreSQL.

A failure at a bin fails the open lines of that bin in every live session, other pickers' too, and adds their
re-sourced lines to those sessions. It locks, in the global order, the orders, then every session it may change,
their open lines, then the stock levels; a picker scanning in one of those sessions locks the session first.
Before, the failure locked the other picker's line, then stock, and only then (adding the re-sourced line) the
other picker's session, while that picker held the session and waited for the line or the stock: PostgreSQL
found the cycle and rolled one back. The deterministic tests below force that interleaving: a third connection
holds the product's stock level so the failure stops just before its first stock lock, the other picker's scan
starts then and waits, and the level is let go."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from core import roles
from core.errors import DomainError
from inventory.models import Reservation, StockLevel
from orders.models import FulfillmentOrder, Order
from orders.services.cancellation import order_cancel
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.cancelling import warehouse_acts_on_cancels
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import Discrepancy, PickLine
from warehouse.outbound.services.cancellation import fulfillment_cancel
from warehouse.outbound.services.pick_failures import pick_fail
from warehouse.outbound.services.picking import PickRefused, pick_scan
from warehouse.services.station_scans import StationReply

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wait_until_blocked(pid: int, timeout: float = 30) -> None:
    """Returns once backend `pid` waits for a lock another transaction holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")


def _failure_then_scan(level: StockLevel, failure, scan) -> list:
    """`failure` runs while another connection holds `level`, and blocks on it; `scan` starts then and runs
    until it blocks too; then the level is let go. Returns [failure's result, scan's result]."""
    held, release, failure_blocked = threading.Event(), threading.Event(), threading.Event()
    pids: dict[str, int] = {}

    def holder():
        with transaction.atomic():
            StockLevel.objects.select_for_update(no_key=True).get(pk=level.pk)
            held.set()
            assert release.wait(60)

    def reporter():
        assert held.wait(60)
        pids["failure"] = _backend_pid()
        return failure()

    def scanner():
        assert failure_blocked.wait(60)
        pids["scan"] = _backend_pid()
        return scan()

    def referee():
        for name, reached in (("failure", failure_blocked), ("scan", None)):
            while name not in pids:
                time.sleep(0.005)
            _wait_until_blocked(pids[name])
            if reached is not None:
                reached.set()
        release.set()

    results = run_in_threads(lambda i: (reporter, scanner, holder, referee)[i](), 4)
    assert results[2:] == [None, None], results
    return results[:2]


def _no_deadlock(results) -> None:
    assert not [r for r in results if isinstance(r, OperationalError)], results
    assert all(not isinstance(r, Exception) or isinstance(r, DomainError) for r in results), results


def _two_pickers_at_one_bin(ps, item, bin_, *, first_qty: int = 1, second_qty: int = 1):
    """Two sessions, each claimed by its own picker, each with an open line for `item` at `bin_`, both pickers
    having scanned the bin. Returns (first session, second session, second picker)."""
    other_picker = UserFactory(role=roles.PICKER)
    released(ps, [(item, first_qty)])
    first = planned_and_claimed(ps)
    released(ps, [(item, second_qty)])
    second = planned_and_claimed(ps, picker=other_picker)
    for session, picker in ((first, ps.picker), (second, other_picker)):
        assert session.lines.filter(bin=bin_, status=PickLine.Status.OPEN).exists()
        pick_scan(session=session, raw=f"BIN:{session.lines.order_by('sequence')[0].bin.code}", actor=picker)
    return first, second, other_picker


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_a_failure_and_an_item_scan_at_the_same_bin_never_deadlock(round_no):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    put(shirt, ps.shelves[6], 10)
    first, second, other_picker = _two_pickers_at_one_bin(ps, shirt, ps.shelves[0])
    assert second.lines.get().bin_id == ps.shelves[0].pk

    results = run_in_threads(lambda i: (
        pick_scan(session=first, raw="CMD:EMPTY", actor=ps.picker) if i == 0
        else pick_scan(session=second, raw=gtin_of(shirt), actor=other_picker)
    ), 2)

    assert not [r for r in results if isinstance(r, OperationalError)], results
    assert all(r is None or not isinstance(r, Exception) or isinstance(r, PickRefused) for r in results), results
    assert Discrepancy.objects.filter(bin=ps.shelves[0]).count() == 1
    assert_stock_invariants()


def test_a_failure_re_sourcing_the_line_another_picker_is_scanning_waits_for_that_session_first():
    """The other picker's item scan holds its session and wants its line at the failed bin; the failure must not
    hold that line while it waits for stock, then ask for the session."""
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    put(shirt, ps.shelves[6], 10)
    first, second, other_picker = _two_pickers_at_one_bin(ps, shirt, ps.shelves[0])
    their_line = second.lines.get()

    failure, scan = _failure_then_scan(
        StockLevel.objects.get(product=shirt, warehouse=ps.warehouse),
        lambda: pick_scan(session=first, raw="CMD:EMPTY", actor=ps.picker),
        lambda: pick_scan(session=second, raw=gtin_of(shirt), actor=other_picker),
    )

    _no_deadlock([failure, scan])
    assert isinstance(failure, StationReply) and failure.ok, failure
    # The failure went first: the line the other picker was scanning failed and came back at another bin,
    # which that picker has not scanned yet.
    assert isinstance(scan, PickRefused) and "scan bin A-01-07-A first" in str(scan), scan
    their_line.refresh_from_db()
    assert their_line.status == PickLine.Status.FAILED
    re_sourced = second.lines.get(status=PickLine.Status.OPEN)
    assert (re_sourced.bin_id, re_sourced.qty) == (ps.shelves[6].pk, 1)
    assert Discrepancy.objects.filter(bin=ps.shelves[0]).count() == 1
    assert_stock_invariants()


def test_a_failure_adding_a_line_to_a_session_whose_picker_is_picking_elsewhere_never_deadlocks():
    """The other picker holds its session and its current line (another bin, the same product) and wants the
    product's stock level; the failure must not hold that level, then ask for the session to add its line."""
    ps = build_pick_site()
    shirt = product(ps)
    failed_bin, near_bin, spare_bin = ps.shelves[4], ps.shelves[1], ps.shelves[6]
    put(shirt, failed_bin, 2)
    put(shirt, near_bin, 1)  # taken by the other picker's line: re-sourcing goes to the spare bin
    put(shirt, spare_bin, 10)
    other_picker = UserFactory(role=roles.PICKER)
    released(ps, [(shirt, 1)])
    first = planned_and_claimed(ps)
    released(ps, [(shirt, 2)])  # one unit left at the failed bin, the other from the nearer one
    second = planned_and_claimed(ps, picker=other_picker)
    assert [(line.bin_id, line.qty) for line in second.lines.order_by("sequence")] == [(near_bin.pk, 1), (failed_bin.pk, 1)]
    pick_scan(session=first, raw=f"BIN:{failed_bin.code}", actor=ps.picker)
    pick_scan(session=second, raw=f"BIN:{near_bin.code}", actor=other_picker)

    failure, scan = _failure_then_scan(
        StockLevel.objects.get(product=shirt, warehouse=ps.warehouse),
        lambda: pick_scan(session=first, raw="CMD:EMPTY", actor=ps.picker),
        lambda: pick_scan(session=second, raw=gtin_of(shirt), actor=other_picker),
    )

    _no_deadlock([failure, scan])
    assert isinstance(failure, StationReply) and failure.ok, failure
    assert isinstance(scan, StationReply) and scan.ok, scan  # its own line was untouched: picked after the failure
    assert second.lines.get(bin=near_bin).status == PickLine.Status.PICKED
    assert second.lines.get(bin=failed_bin).status == PickLine.Status.FAILED
    assert second.lines.get(status=PickLine.Status.OPEN).bin_id == spare_bin.pk
    assert_stock_invariants()


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_two_failures_whose_re_sourcing_crosses_into_each_others_session(round_no):
    """Each picker's session has a line at the bin the other reports: each failure fails a line of the other's
    session and adds its re-sourced line there. They meet on the orders (locked first) and run one after the
    other; both land."""
    ps = build_pick_site()
    shirt, pants = product(ps), product(ps)
    shirt_bin, pants_bin = ps.shelves[0], ps.shelves[1]
    put(shirt, shirt_bin, 2)
    put(pants, pants_bin, 2)
    put(shirt, ps.shelves[6], 10)
    put(pants, ps.shelves[7], 10)
    other_picker = UserFactory(role=roles.PICKER)
    released(ps, [(shirt, 1), (pants, 1)])
    first = planned_and_claimed(ps)
    released(ps, [(shirt, 1), (pants, 1)])
    second = planned_and_claimed(ps, picker=other_picker)
    mine = first.lines.get(product=shirt)
    theirs = second.lines.get(product=pants)

    results = run_in_threads(lambda i: (
        pick_fail(line=mine, kind="bin_empty", actor=ps.picker) if i == 0
        else pick_fail(line=theirs, kind="bin_empty", actor=other_picker)
    ), 2)

    _no_deadlock(results)
    assert not [r for r in results if isinstance(r, Exception)], results
    for session in (first, second):
        assert set(session.lines.filter(status=PickLine.Status.FAILED).values_list("bin_id", flat=True)) == {shirt_bin.pk, pants_bin.pk}
        assert set(session.lines.filter(status=PickLine.Status.OPEN).values_list("bin_id", flat=True)) == {
            ps.shelves[6].pk, ps.shelves[7].pk}
    assert Discrepancy.objects.count() == 2
    assert_stock_invariants()


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_two_short_picks_reported_at_the_same_bin_at_once(round_no):
    """Both pickers find the bin short: one report takes the unit that was there and fails both lines; the other
    is refused cleanly (its line was failed by the first), nothing of it is applied."""
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 4)
    put(shirt, ps.shelves[6], 10)
    first, second, other_picker = _two_pickers_at_one_bin(ps, shirt, ps.shelves[0], first_qty=2, second_qty=2)
    lines = {first.pk: first.lines.get(), second.pk: second.lines.get()}

    results = run_in_threads(lambda i: (
        pick_fail(line=lines[first.pk], kind="short", found_qty=1, actor=ps.picker) if i == 0
        else pick_fail(line=lines[second.pk], kind="short", found_qty=1, actor=other_picker)
    ), 2)

    _no_deadlock(results)
    refused = [r for r in results if isinstance(r, PickRefused)]
    assert len(refused) == 1 and "is not open" in str(refused[0]), results
    assert Discrepancy.objects.count() == 1
    picked = PickLine.objects.filter(bin=ps.shelves[0], picked_qty=1)
    assert picked.count() == 1  # only the winner's unit left the bin
    assert sum(PickLine.objects.filter(bin=ps.shelves[0]).values_list("failed_qty", flat=True)) == 1 + 2
    assert_stock_invariants()


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_a_failure_and_the_cancel_of_another_pickers_order_at_that_bin(round_no):
    """The failure fails the other picker's line of an order being cancelled at that moment: they meet on that
    order's lock. Whoever wins, the order ends cancelled with nothing reserved and no unit left in a tote."""
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    put(shirt, ps.shelves[6], 10)
    first, second, _ = _two_pickers_at_one_bin(ps, shirt, ps.shelves[0])
    cancelled = second.slots.get().fulfillment_order.order

    def cancel():
        order_cancel(order=cancelled, actor="customer service", reason="customer asked")
        fulfillment = FulfillmentOrder.objects.get(order=cancelled)
        return fulfillment_cancel(fulfillment_id=fulfillment.pk, actor="warehouse")

    results = run_in_threads(lambda i: (
        pick_scan(session=first, raw="CMD:EMPTY", actor=ps.picker) if i == 0 else cancel()
    ), 2)

    _no_deadlock(results)
    assert isinstance(results[0], StationReply) and results[0].ok, results
    warehouse_acts_on_cancels(cancelled)  # a request the race left waiting, as the beat sweep would
    cancelled.refresh_from_db()
    assert cancelled.status == Order.Status.CANCELLED
    assert not Reservation.objects.filter(order_line_id__in=cancelled.lines.values("pk"), qty__gt=0).exists()
    assert not Reservation.objects.filter(order_line_id__in=cancelled.lines.values("pk"), picked_qty__gt=0).exists()
    assert not second.lines.filter(status=PickLine.Status.OPEN).exists()
    assert first.lines.get(status=PickLine.Status.OPEN).bin_id == ps.shelves[6].pk
    assert Discrepancy.objects.filter(bin=ps.shelves[0]).count() == 1
    assert_stock_invariants()
