"""A count posting against a pick on the same bin, on real PostgreSQL in real threads started by a barrier:
no deadlock, no lost update, and the ledger agrees with the balances after every round."""

from __future__ import annotations

import pytest

from core import roles
from inventory.models import Movement
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.counting import build_count_site, held, scan
from tests.warehouse.picking import product, put, released
from warehouse.control.services.count_plans import count_request
from warehouse.control.services.counting import count_approve, count_finish
from warehouse.models import CountTask, PickLine
from warehouse.outbound.services.picking import pick_claim_next, pick_confirm, pick_scan
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 8


def ready_pick_line(ps, item, qty: int, bin_):
    released(ps, [(item, qty)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    picker = UserFactory(role=roles.PICKER)
    session = pick_claim_next(warehouse=ps.warehouse, actor=picker)
    line = session.lines.get(product=item)
    assert line.bin_id == bin_.pk
    pick_scan(session=session, raw=f"BIN:{bin_.code}", actor=picker)
    line.refresh_from_db()
    return line, picker


def scanned(ps, item, bin_, units: int) -> CountTask:
    """Claimed, the bin scanned and `units` units scanned: ready to finish."""
    count_request(warehouse=ps.warehouse, actor=ps.manager, product=item)
    task = CountTask.objects.get(pk=scan(ps, "").data["task_id"])
    assert scan(ps, f"BIN:{bin_.code}").ok and scan(ps, f"x{units}").ok and scan(ps, item.sku).ok
    return task


def test_a_count_finishing_within_tolerance_against_a_pick_on_the_same_bin():
    ps = build_count_site(tolerance_units=1, shelves=3, totes=ROUNDS + 2)
    face = ps.shelves[0]
    for n in range(ROUNDS):
        item = product(ps)
        put(item, face, 10)
        line, picker = ready_pick_line(ps, item, 2, face)
        task = scanned(ps, item, face, 9)

        results = run_in_threads(lambda i, task=task, line=line, picker=picker: (
            count_finish(task=task, actor=ps.counter) if i == 0 else pick_confirm(line=line, qty=2, actor=picker)), 2)

        assert not [r for r in results if isinstance(r, Exception)], results
        task.refresh_from_db()
        # Counted before the pick: the system follows the count (9), then the pick takes 2. After it: 9 stays.
        assert task.status == "done" and task.system_qty in (10, 8), f"round {n}: {task.system_qty}"
        assert held(item, face) == (7 if task.system_qty == 10 else 9), f"round {n}"
        [move] = Movement.objects.filter(product=item, bin=face, kind="adjust")
        assert move.qty == 9 - task.system_qty and move.bin_qty_after == 9
        assert PickLine.objects.get(pk=line.pk).status == PickLine.Status.PICKED
        assert_stock_invariants()


def test_an_approved_variance_posting_against_a_pick_on_the_same_bin():
    ps = build_count_site(tolerance_units=0, shelves=3, totes=ROUNDS + 2)
    face = ps.shelves[0]
    for n in range(ROUNDS):
        item = product(ps)
        put(item, face, 10)
        line, picker = ready_pick_line(ps, item, 2, face)
        task = count_finish(task=scanned(ps, item, face, 6), actor=ps.counter)
        assert (task.status, task.system_qty) == ("review", 10)

        results = run_in_threads(lambda i, task=task, line=line, picker=picker: (
            count_approve(task=task, actor=ps.approver, note="four lost") if i == 0
            else pick_confirm(line=line, qty=2, actor=picker)), 2)

        assert not [r for r in results if isinstance(r, Exception)], results
        # Against the snapshot: -4 whichever commits first, and the pick's 2 are never lost.
        assert held(item, face) == 10 - 4 - 2, f"round {n}"
        assert CountTask.objects.get(pk=task.pk).status == "done"
        assert PickLine.objects.get(pk=line.pk).status == PickLine.Status.PICKED
        assert_stock_invariants()
