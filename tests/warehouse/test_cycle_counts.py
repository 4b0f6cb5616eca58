"""Cycle counts: raised three ways, counted blind at the station, posted within tolerance, approved or
rejected over it; the ledger and the balances agree after every path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict
from core.lifecycle import IllegalTransition
from inventory.models import Movement, StockFlag
from inventory.services.flags import stock_flag
from inventory.services.stock import stock_move
from ops.selectors import inventory_accuracy
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.counting import build_count_site, count_moves, held, ledger_state, scan
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import product, put
from warehouse.control.selectors import count_policy_for, velocity_classes
from warehouse.control.services.count_plans import CountRequestRefused, count_request, count_schedule_due
from warehouse.control.services.counting import CountRefused, count_approve, count_reject
from warehouse.control.services.discrepancies import discrepancy_resolve
from warehouse.control.services.lifecycle import count_task_transition
from warehouse.models import CountPolicy, CountTask, Discrepancy

pytestmark = pytest.mark.django_db


def counted(ps, item, bin_, units: int) -> CountTask:
    """The counter claims the next count (which must be `item` in `bin_`) and scans `units` units blind."""
    reply = scan(ps, "")
    assert reply.ok, reply.message
    task = CountTask.objects.get(pk=reply.data["task_id"])
    assert (task.product_id, task.bin_id) == (item.pk, bin_.pk)
    assert scan(ps, f"BIN:{bin_.code}").ok
    if units:
        assert scan(ps, f"x{units}").ok
        assert scan(ps, gtin_of(item)).ok
    finish = scan(ps, f"BIN:{bin_.code}")
    assert finish.ok and finish.data["done"], finish.message
    task.refresh_from_db()
    return task


# --- raised three ways ---------------------------------------------------------------------------------

def test_a_manager_raises_counts_for_a_bin_a_sku_and_a_zone_and_never_twice_for_one_shelf():
    ps = build_count_site()
    a, b = product(ps), product(ps)
    shelf1, shelf2, shelf3 = ps.shelves[:3]
    put(a, shelf1, 5)
    put(b, shelf1, 3)
    put(a, shelf2, 4)
    put(b, shelf3, 2)
    put(a, ps.dock, 7)  # not on a storage shelf: never counted by these requests

    by_bin = count_request(warehouse=ps.warehouse, actor=ps.manager, bin=shelf1, reason="spot check")
    assert (by_bin.created, by_bin.skipped) == (2, 0)
    by_sku = count_request(warehouse=ps.warehouse, actor=ps.manager, product=a)
    assert (by_sku.created, by_sku.skipped) == (1, 1)  # a in shelf1 already waits
    by_zone = count_request(warehouse=ps.warehouse, actor=ps.manager, zone=shelf1.zone)
    assert (by_zone.created, by_zone.skipped) == (1, 3)
    pairs = set(CountTask.objects.values_list("product_id", "bin_id"))
    assert pairs == {(a.pk, shelf1.pk), (b.pk, shelf1.pk), (a.pk, shelf2.pk), (b.pk, shelf3.pk)}
    assert set(CountTask.objects.values_list("source", flat=True)) == {"manager"}
    assert CountTask.objects.get(product=a, bin=shelf1).reason.startswith(f"Requested: bin {shelf1.code}. spot check")


def test_a_count_request_that_names_nothing_to_count_is_refused_and_raises_nothing():
    ps = build_count_site()
    other = build_count_site()
    empty = ps.shelves[4]
    with pytest.raises(CountRequestRefused, match="nothing to count"):
        count_request(warehouse=ps.warehouse, actor=ps.manager, bin=empty)
    with pytest.raises(CountRequestRefused, match="not in warehouse"):
        count_request(warehouse=ps.warehouse, actor=ps.manager, bin=other.shelves[0])
    with pytest.raises(CountRequestRefused, match="exactly one"):
        count_request(warehouse=ps.warehouse, actor=ps.manager, bin=empty, zone=empty.zone)
    assert not CountTask.objects.exists()


def test_velocity_classes_rank_products_by_their_share_of_picks_in_the_window():
    ps = build_count_site()
    tote = ps.totes[0]
    hits = {}
    for n, item_hits in enumerate([70, 15, 10, 5]):
        item = product(ps)
        hits[item.pk] = item_hits
        for _ in range(item_hits):
            Movement.objects.bulk_create([
                Movement(product=item, warehouse=ps.warehouse, bin=ps.shelves[n], qty=-1, kind="pick", condition="sellable",
                         actor_label="picker", operation="00000000-0000-0000-0000-000000000001", bin_qty_after=0),
                Movement(product=item, warehouse=ps.warehouse, bin=tote, qty=1, kind="pick", condition="sellable",
                         actor_label="picker", operation="00000000-0000-0000-0000-000000000001", bin_qty_after=1),
            ])
    policy = count_policy_for(ps.warehouse.pk)  # A up to 80% of picks, B up to 95%
    classes = velocity_classes(warehouse_id=ps.warehouse.pk, policy=policy)
    # Shares before each product: 0% (A), 70% (A), 85% (B), 95% (C).
    assert [classes[pk] for pk in hits] == ["A", "A", "B", "C"]
    later = timezone.now() + dt.timedelta(days=policy.window_days + 1)
    assert velocity_classes(warehouse_id=ps.warehouse.pk, policy=policy, now=later) == {}


def test_the_schedule_raises_what_is_due_by_class_once_and_within_the_daily_cap():
    ps = build_count_site()
    fast, slow = product(ps), product(ps)
    put(fast, ps.shelves[0], 10)
    put(slow, ps.shelves[1], 10)
    Movement.objects.create(product=fast, warehouse=ps.warehouse, bin=ps.shelves[0], qty=-1, kind="pick",
                            condition="sellable", actor_label="p", operation="00000000-0000-0000-0000-000000000002",
                            bin_qty_after=9)
    Movement.objects.create(product=fast, warehouse=ps.warehouse, bin=ps.totes[0], qty=1, kind="pick",
                            condition="sellable", actor_label="p", operation="00000000-0000-0000-0000-000000000002",
                            bin_qty_after=1)
    first = count_schedule_due(warehouse=ps.warehouse)
    assert (first.created, first.skipped) == (2, 0)
    tasks = {t.product_id: t for t in CountTask.objects.all()}
    assert (tasks[fast.pk].velocity_class, tasks[slow.pk].velocity_class) == ("A", "C")
    assert tasks[fast.pk].source == "scheduled"
    assert count_schedule_due(warehouse=ps.warehouse).created == 0  # the open ones are not duplicated

    # Both counted exactly today: nothing is due until each class's interval has passed.
    for task in CountTask.objects.order_by("velocity_class"):
        done = counted(ps, task.product, task.bin, 10 if task.product_id == slow.pk else 9)
        assert done.status == CountTask.Status.DONE
    assert count_schedule_due(warehouse=ps.warehouse).created == 0
    policy = count_policy_for(ps.warehouse.pk)
    in_a_month = timezone.now() + dt.timedelta(days=policy.a_every_days + 1)
    due = count_schedule_due(warehouse=ps.warehouse, now=in_a_month)
    assert due.created == 1
    assert CountTask.objects.get(status="open").product_id == fast.pk  # A is due monthly, C twice a year
    assert_stock_invariants()


def test_the_daily_cap_counts_class_a_first():
    ps = build_count_site()
    CountPolicy.objects.filter(warehouse=ps.warehouse).update(max_per_day=1)
    fast, slow = product(ps), product(ps)
    put(slow, ps.shelves[0], 3)
    put(fast, ps.shelves[1], 3)
    Movement.objects.bulk_create([
        Movement(product=fast, warehouse=ps.warehouse, bin=bin_, qty=q, kind="pick", condition="sellable",
                 actor_label="p", operation="00000000-0000-0000-0000-000000000003", bin_qty_after=0)
        for bin_, q in ((ps.shelves[1], -1), (ps.totes[0], 1))])
    assert count_schedule_due(warehouse=ps.warehouse).created == 1
    assert list(CountTask.objects.values_list("product_id", flat=True)) == [fast.pk]
    assert count_schedule_due(warehouse=ps.warehouse).created == 0  # the day's cap is spent


def test_a_discrepancy_recount_takes_over_a_count_already_waiting_for_that_shelf():
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 6)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    discrepancy = Discrepancy.objects.create(warehouse=ps.warehouse, product=item, bin=ps.shelves[0], kind="short",
                                             expected_qty=6, found_qty=0)
    discrepancy_resolve(discrepancy=discrepancy, resolution="recount", actor=ps.manager)
    task = CountTask.objects.get()
    assert task.discrepancy_id == discrepancy.pk
    with pytest.raises(Conflict, match="already has a recount"):
        discrepancy_resolve(discrepancy=discrepancy, resolution="recount", actor=ps.manager)


# --- the blind station --------------------------------------------------------------------------------

def test_the_station_never_shows_the_expected_quantity_and_refuses_poison_scans_changing_nothing():
    ps = build_count_site()
    item, stranger = product(ps), product(ps)
    put(item, ps.shelves[0], 37)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])

    claimed = scan(ps, "")
    assert claimed.ok and "37" not in claimed.message
    assert scan(ps, gtin_of(item)).message.startswith("scan the bin first")
    assert "wrong bin" in scan(ps, f"BIN:{ps.shelves[1].code}").message
    confirmed = scan(ps, f"BIN:{ps.shelves[0].code}")
    assert confirmed.ok and "37" not in confirmed.message
    before = ledger_state()
    task = CountTask.objects.get()
    assert scan(ps, "x4").ok
    refusals = {
        "control": scan(ps, "SKU\x07-1"),
        "long": scan(ps, "9" * 200),
        "wrong bin": scan(ps, f"BIN:{ps.shelves[2].code}"),
        "unknown": scan(ps, "04006381333931"),
        "bad check digit": scan(ps, "40000000000001"),
        "other item": scan(ps, gtin_of(stranger)),
        "tote": scan(ps, "TOTE:T-001"),
        "command": scan(ps, "CMD:EXPLODE"),
    }
    for name, reply in refusals.items():
        assert not reply.ok, name
    assert "control character" in refusals["control"].message
    assert "too long" in refusals["long"].message
    assert "unknown barcode" in refusals["unknown"].message
    assert stranger.sku in refusals["other item"].message
    task.refresh_from_db()
    assert (task.tally, task.pending_qty, task.status) == (0, None, CountTask.Status.COUNTING)  # the x4 was forgotten
    assert ledger_state() == before
    one = scan(ps, item.sku)
    assert one.ok and one.data["scanned"] == 1 and "37" not in one.message
    assert scan(ps, "x36").ok and scan(ps, gtin_of(item)).data["scanned"] == 37
    assert scan(ps, "CMD:RESTART").ok
    task.refresh_from_db()
    assert task.tally == 0


def test_an_exact_count_is_done_with_no_ledger_row_and_a_count_within_tolerance_posts_at_once():
    ps = build_count_site(tolerance_units=1)
    item = product(ps)
    put(item, ps.shelves[0], 10)
    put(item, ps.shelves[1], 10)
    count_request(warehouse=ps.warehouse, actor=ps.manager, product=item)

    exact = counted(ps, item, ps.shelves[0], 10)
    assert (exact.status, exact.system_qty, exact.counted_qty, exact.counted_by_id) == ("done", 10, 10, ps.counter.pk)
    assert count_moves(item, ps.shelves[0]) == []
    close = counted(ps, item, ps.shelves[1], 9)
    assert (close.status, close.variance) == ("done", -1)
    [move] = count_moves(item, ps.shelves[1])
    assert (move.qty, move.bin_qty_after, move.reference) == (-1, 9, f"count:{close.pk}")
    assert "Cycle count" in move.reason and "within tolerance" in move.reason
    assert held(item, ps.shelves[1]) == 9
    assert_stock_invariants()


def test_a_count_over_tolerance_waits_for_another_manager_and_its_approval_posts_the_variance():
    ps = build_count_site(tolerance_units=1)
    item = product(ps, unit_cost=Decimal("4.50"))
    put(item, ps.shelves[0], 20)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    task = counted(ps, item, ps.shelves[0], 14)
    assert (task.status, task.system_qty, task.counted_qty) == ("review", 20, 14)
    assert count_moves(item, ps.shelves[0]) == [] and held(item, ps.shelves[0]) == 20

    with pytest.raises(CountRefused, match="yourself"):
        count_approve(task=task, actor=ps.counter, note="looks right")
    with pytest.raises(CountRefused, match="reason"):
        count_approve(task=task, actor=ps.approver, note="  ")
    task = count_approve(task=task, actor=ps.approver, note="shelf damaged, units binned")
    assert (task.status, task.reviewed_by_id, task.review_note) == ("done", ps.approver.pk, "shelf damaged, units binned")
    [move] = count_moves(item, ps.shelves[0])
    assert (move.qty, move.bin_qty_after, move.reference, move.actor_id) == (-6, 14, f"count:{task.pk}", ps.approver.pk)
    assert "shelf damaged, units binned" in move.reason and "counted 14, system had 20" in move.reason
    with pytest.raises(Conflict):
        count_approve(task=task, actor=ps.approver, note="again")
    assert len(count_moves(item, ps.shelves[0])) == 1
    assert_stock_invariants()


def test_a_percent_tolerance_and_a_unit_tolerance_must_both_hold():
    policy = CountPolicy(tolerance_units=3, tolerance_pct=Decimal("5"))
    assert policy.within_tolerance(expected=100, counted=97)
    assert not policy.within_tolerance(expected=20, counted=18)  # 2 units but 10%
    assert not policy.within_tolerance(expected=1000, counted=996)  # 0.4% but 4 units
    assert CountPolicy(tolerance_units=None, tolerance_pct=None).within_tolerance(expected=5, counted=5)
    assert not CountPolicy(tolerance_units=None, tolerance_pct=None).within_tolerance(expected=5, counted=4)


def test_a_rejected_count_posts_nothing_and_sends_a_recount_to_the_floor():
    ps = build_count_site(tolerance_units=0)
    item = product(ps)
    put(item, ps.shelves[0], 8)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    task = counted(ps, item, ps.shelves[0], 3)
    before = ledger_state()
    recount = count_reject(task=task, actor=ps.approver, note="counter skipped the back row")
    task.refresh_from_db()
    assert task.status == "rejected" and task.review_note == "counter skipped the back row"
    assert (recount.status, recount.recount_of_id, recount.product_id, recount.bin_id) == ("open", task.pk, item.pk,
                                                                                            ps.shelves[0].pk)
    assert ledger_state() == before
    again = counted(ps, item, ps.shelves[0], 8)
    assert again.pk == recount.pk and again.status == "done"
    assert_stock_invariants()


def test_approving_a_discrepancy_count_closes_it_and_clears_the_flag():
    ps = build_count_site(tolerance_units=0)
    item = product(ps)
    put(item, ps.shelves[0], 12)
    discrepancy = Discrepancy.objects.create(warehouse=ps.warehouse, product=item, bin=ps.shelves[0], kind="short",
                                             expected_qty=12, found_qty=5)
    stock_flag(product=item, bin=ps.shelves[0], actor=ps.manager, reason=f"D-{discrepancy.pk}")
    discrepancy_resolve(discrepancy=discrepancy, resolution="recount", actor=ps.manager)
    task = counted(ps, item, ps.shelves[0], 5)
    assert task.status == "review"
    discrepancy.refresh_from_db()
    assert discrepancy.status == "open"
    count_approve(task=task, actor=ps.approver, note="seven units were never put away here")
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.resolution) == ("resolved", "recount")
    assert not StockFlag.objects.filter(product=item, bin=ps.shelves[0], cleared_at__isnull=True).exists()
    assert held(item, ps.shelves[0]) == 5
    assert_stock_invariants()


def test_a_discrepancy_count_within_tolerance_closes_it_at_once():
    ps = build_count_site(tolerance_units=1)
    item = product(ps)
    put(item, ps.shelves[0], 4)
    discrepancy = Discrepancy.objects.create(warehouse=ps.warehouse, product=item, bin=ps.shelves[0], kind="short",
                                             expected_qty=4, found_qty=3)
    stock_flag(product=item, bin=ps.shelves[0], actor=ps.manager, reason=f"D-{discrepancy.pk}")
    discrepancy_resolve(discrepancy=discrepancy, resolution="recount", actor=ps.manager)
    task = counted(ps, item, ps.shelves[0], 3)
    discrepancy.refresh_from_db()
    assert task.status == "done" and discrepancy.status == "resolved"
    assert held(item, ps.shelves[0]) == 3
    assert_stock_invariants()


def test_stock_that_moved_after_the_count_stays_counted_when_the_variance_is_approved():
    ps = build_count_site(tolerance_units=0)
    item = product(ps)
    put(item, ps.shelves[0], 10)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    task = counted(ps, item, ps.shelves[0], 7)  # three missing
    put(item, ps.shelves[0], 5)  # a putaway lands after the count
    count_approve(task=task, actor=ps.approver, note="three lost")
    assert held(item, ps.shelves[0]) == 7 + 5  # counted, plus what arrived since
    assert_stock_invariants()


def test_an_approval_the_bin_can_no_longer_absorb_is_refused_and_the_count_can_be_rejected():
    ps = build_count_site(tolerance_units=0)
    item = product(ps)
    put(item, ps.shelves[0], 10)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    task = counted(ps, item, ps.shelves[0], 2)  # eight to write off
    stock_move(product=item, from_bin=ps.shelves[0], to_bin=ps.shelves[1], qty=5, actor=None)  # five moved out since
    before = ledger_state()
    with pytest.raises(CountRefused, match="stock moved since the count"):
        count_approve(task=task, actor=ps.approver, note="ok")
    task.refresh_from_db()
    assert task.status == "review" and ledger_state() == before
    count_reject(task=task, actor=ps.approver, note="stock moved, recount")
    assert CountTask.objects.filter(recount_of=task, status="open").exists()


def test_a_released_count_starts_from_zero_for_the_next_counter():
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 3)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    scan(ps, "")
    scan(ps, f"BIN:{ps.shelves[0].code}")
    scan(ps, item.sku)
    assert scan(ps, "CMD:RELEASE").data == {"released": True}
    task = CountTask.objects.get()
    assert (task.status, task.tally, task.claimed_by_id, task.bin_confirmed) == ("open", 0, None, False)
    other = UserFactory(role=roles.INVENTORY_CONTROLLER)
    assert scan(ps, "", user=other).data["task_id"] == task.pk
    assert not scan(ps, f"BIN:{ps.shelves[0].code}").ok  # the first counter holds nothing now


def test_a_count_task_follows_its_lifecycle_table():
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 3)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    task = CountTask.objects.get()
    with transaction.atomic(), pytest.raises(IllegalTransition):
        count_task_transition(task=task, to=CountTask.Status.REVIEW)
    with transaction.atomic(), pytest.raises(IllegalTransition):
        count_task_transition(task=task, to=CountTask.Status.REJECTED)
    task.refresh_from_db()
    assert task.status == "open"


# --- the accuracy figure ------------------------------------------------------------------------------

def test_inventory_accuracy_from_counts_on_a_known_dataset():
    ps = build_count_site()
    item = product(ps)
    rows = [  # (system, counted, status)
        (10, 10, "done"), (20, 18, "done"), (5, 5, "done"), (8, 12, "review"), (30, 0, "rejected"), (4, 4, "open"),
    ]
    now = timezone.now()
    for n, (system, counted_qty, status) in enumerate(rows):
        CountTask.objects.create(warehouse=ps.warehouse, bin=ps.shelves[n], product=item, status=status,
                                 system_qty=system, counted_qty=counted_qty,
                                 counted_at=None if status == "open" else now)
    figure = inventory_accuracy(warehouse=ps.warehouse, window="7d")
    # Counted and not rejected (approved or waiting for approval): 10/10, 20/18, 5/5, 8/12 -> 2 exact of 4;
    # 4 units over (8 -> 12), 2 short (20 -> 18).
    assert figure == {"counts": 4, "matched": 2, "accuracy": 0.5, "units_over": 4, "units_short": 2}
    later = now + dt.timedelta(days=8)
    assert inventory_accuracy(warehouse=ps.warehouse, window="7d", now=later)["counts"] == 0


def test_the_daily_beat_job_raises_due_counts_in_every_warehouse_once():
    from warehouse.tasks import schedule_counts
    from wms_project.celery import app

    entry = app.conf.beat_schedule["warehouse-schedule-counts"]
    assert entry["task"] == "warehouse.schedule_counts" and schedule_counts.name == entry["task"]
    ps, other = build_count_site(), build_count_site()
    put(product(ps), ps.shelves[0], 3)
    put(product(other), other.shelves[0], 3)
    put(product(other), other.shelves[1], 3)
    assert schedule_counts() == {ps.warehouse.code: 1, other.warehouse.code: 2}
    assert schedule_counts() == {ps.warehouse.code: 0, other.warehouse.code: 0}
    assert CountTask.objects.filter(source="scheduled", status="open").count() == 3
