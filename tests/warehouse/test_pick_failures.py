"""A pick failure creates a discrepancy, flags the bin and re-sources the line; managers resolve it."""

import pytest

from core import roles
from inventory.models import BinStock, Movement, Reservation, StockFlag, StockLevel
from orders.models import FulfillmentOrder, Order, OrderEvent
from tests.factories import BinFactory, UserFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.control.selectors import discrepancy_history
from warehouse.control.services.discrepancies import (
    DiscrepancyRefused,
    count_task_complete,
    discrepancy_resolve,
)
from warehouse.models import CountTask, Discrepancy, PickLine, PickSession
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.picking import PickRefused, pick_claim_next, pick_scan

pytestmark = pytest.mark.django_db


def scan(session, raw, ps):
    return pick_scan(session=session, raw=raw, actor=ps.picker)


def test_bin_empty_raises_a_discrepancy_flags_the_bin_and_sends_the_picker_to_another_bin():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 4)  # the system says 4 here; the shelf is empty
    put(shirt, ps.shelves[5], 6)
    order = released(ps, [(shirt, 3)])
    session = planned_and_claimed(ps)
    assert current_line(session).bin == ps.shelves[0]

    scan(session, "BIN:A-01-01-A", ps)
    reply = scan(session, "CMD:EMPTY", ps)

    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.expected_qty, discrepancy.found_qty) == ("bin_empty", 4, 0)
    assert discrepancy.bin == ps.shelves[0] and discrepancy.reported_by == ps.picker
    assert f"D-{discrepancy.pk}" in reply.message and "A-01-06-A (3)" in reply.message
    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).is_flagged
    assert StockFlag.objects.filter(bin=ps.shelves[0], product=shirt, cleared_at__isnull=True).exists()
    level = StockLevel.objects.get(product=shirt, warehouse=ps.warehouse)
    assert (level.on_hand, level.allocated, level.unavailable) == (10, 3, 4)
    failed = PickLine.objects.get(bin=ps.shelves[0])
    assert (failed.status, failed.failed_qty) == (PickLine.Status.FAILED, 3)
    assert "Bin empty at A-01-01-A" in OrderEvent.objects.get(order=order, kind="pick_failure").message

    line = current_line(session)
    assert (line.bin, line.qty) == (ps.shelves[5], 3)
    scan(session, "BIN:A-01-06-A", ps)
    scan(session, "x3", ps)
    assert scan(session, shirt.sku, ps).data["done"] is True
    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).qty == 4  # untouched until resolved
    assert_stock_invariants()


def test_a_flagged_bin_is_never_offered_again_until_resolved():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 4)
    put(shirt, ps.shelves[5], 6)
    released(ps, [(shirt, 1)])
    session = planned_and_claimed(ps)
    scan(session, "BIN:A-01-01-A", ps)
    scan(session, "CMD:EMPTY", ps)
    released(ps, [(shirt, 1)])
    later = planned_and_claimed(ps, picker=ps.manager)
    assert {line.bin for line in later.lines.all()} == {ps.shelves[5]}


def test_a_short_pick_takes_what_was_there_and_re_sources_the_rest_from_another_warehouse():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    other = WarehouseFactory()
    put(shirt, BinFactory(zone=ZoneFactory(warehouse=other)), 10)
    order = released(ps, [(shirt, 5)])
    assert order.fulfillment_orders.get().warehouse == ps.warehouse
    session = planned_and_claimed(ps)

    scan(session, "BIN:A-01-01-A", ps)
    scan(session, "x2", ps)
    reply = scan(session, "CMD:SHORT", ps)

    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.expected_qty, discrepancy.found_qty) == ("short", 5, 2)
    assert f"3 x {shirt.sku} re-sourced: 3 from {other.code}" in reply.message
    line = order.lines.get()
    assert Reservation.objects.get(order_line_id=line.pk, warehouse=ps.warehouse).picked_qty == 2
    assert Reservation.objects.get(order_line_id=line.pk, warehouse=ps.warehouse).qty == 0
    assert Reservation.objects.get(order_line_id=line.pk, warehouse=other).qty == 3
    assert order.fulfillment_orders.get(warehouse=other).status in (FulfillmentOrder.Status.ALLOCATED, FulfillmentOrder.Status.RELEASED)
    assert order.fulfillment_orders.get(warehouse=ps.warehouse).lines.get().qty == 2
    assert OrderEvent.objects.filter(order=order, kind="resourced").exists()
    assert reply.data["done"] is True  # nothing else to pick in this session
    assert_stock_invariants()


def test_a_damaged_pick_with_stock_nowhere_else_backorders_the_line():
    ps = build_pick_site()
    vase = product(ps)
    put(vase, ps.shelves[2], 2)
    order = released(ps, [(vase, 2)])
    session = planned_and_claimed(ps)
    scan(session, "BIN:A-01-03-A", ps)
    reply = scan(session, "CMD:DAMAGED", ps)
    assert "backordered" in reply.message
    order.refresh_from_db()
    assert order.status == Order.Status.BACKORDERED
    assert Reservation.objects.get(order_line_id=order.lines.get().pk).qty == 0
    level = StockLevel.objects.get(product=vase, warehouse=ps.warehouse)
    assert (level.on_hand, level.allocated, level.unavailable, level.available) == (2, 0, 2, 0)
    assert_stock_invariants()


def test_one_failure_fails_every_open_line_sent_to_that_bin():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 3)
    put(shirt, ps.shelves[6], 10)
    first = released(ps, [(shirt, 1)])
    second = released(ps, [(shirt, 1)])
    session = planned_and_claimed(ps)
    assert session.lines.filter(bin=ps.shelves[0]).count() == 2
    scan(session, "BIN:A-01-01-A", ps)
    scan(session, "CMD:EMPTY", ps)
    assert Discrepancy.objects.count() == 1
    assert set(session.lines.filter(status="open").values_list("bin__code", flat=True)) == {"A-01-07-A"}
    for order in (first, second):
        assert OrderEvent.objects.filter(order=order, kind="pick_failure").exists()
    assert_stock_invariants()


def test_a_failure_that_leaves_another_pickers_session_with_nothing_to_pick_finishes_it():
    """The other picker's only line was at the failed bin and no stock is left to re-source it: their session is
    done (not left claimed with nothing in it, sending its picker back to it at every claim)."""
    ps = build_pick_site()
    vase = product(ps)
    put(vase, ps.shelves[2], 2)
    other_picker = UserFactory(role=roles.PICKER)
    released(ps, [(vase, 1)])
    mine = planned_and_claimed(ps)
    theirs_order = released(ps, [(vase, 1)])
    theirs = planned_and_claimed(ps, picker=other_picker)
    assert theirs.lines.get().bin == ps.shelves[2]
    scan(mine, "BIN:A-01-03-A", ps)

    reply = scan(mine, "CMD:EMPTY", ps)

    assert reply.data.get("done") is True
    theirs.refresh_from_db()
    assert theirs.status == PickSession.Status.DONE
    assert theirs.lines.get().status == PickLine.Status.FAILED
    theirs_order.refresh_from_db()
    assert theirs_order.status == Order.Status.BACKORDERED
    assert pick_claim_next(warehouse=ps.warehouse, actor=other_picker) is None  # nothing left to send them to
    assert_stock_invariants()


def test_a_short_claim_that_covers_the_line_is_refused():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 3)
    released(ps, [(shirt, 2)])
    session = planned_and_claimed(ps)
    scan(session, "BIN:A-01-01-A", ps)
    scan(session, "x2", ps)
    with pytest.raises(PickRefused, match="scan the items instead"):
        scan(session, "CMD:SHORT", ps)
    assert not Discrepancy.objects.exists()


def failed_bin(units_in_system=4):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], units_in_system)
    put(shirt, ps.shelves[5], 6)
    released(ps, [(shirt, 1)])
    session = planned_and_claimed(ps)
    scan(session, "BIN:A-01-01-A", ps)
    scan(session, "CMD:EMPTY", ps)
    return ps, shirt, Discrepancy.objects.get()


def test_found_unflags_the_stock():
    ps, shirt, discrepancy = failed_bin()
    discrepancy_resolve(discrepancy=discrepancy, resolution="found", actor=ps.manager, note="behind the divider")
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.resolution, discrepancy.resolved_by) == ("resolved", "found", ps.manager)
    assert not BinStock.objects.get(bin=ps.shelves[0], product=shirt).is_flagged
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).unavailable == 0
    assert_stock_invariants()


def test_adjusted_corrects_the_ledger_to_the_count_with_a_reason():
    ps, shirt, discrepancy = failed_bin()
    with pytest.raises(DiscrepancyRefused):
        discrepancy_resolve(discrepancy=discrepancy, resolution="adjusted", actor=ps.manager, counted_qty=-1)
    discrepancy_resolve(discrepancy=discrepancy, resolution="adjusted", actor=ps.manager, counted_qty=1)
    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).qty == 1
    adjust = Movement.objects.get(kind="adjust", product=shirt)
    assert adjust.qty == -3 and f"D-{discrepancy.pk}" in adjust.reason and adjust.reference == f"discrepancy:{discrepancy.pk}"
    level = StockLevel.objects.get(product=shirt, warehouse=ps.warehouse)
    assert (level.on_hand, level.unavailable) == (7, 0)
    with pytest.raises(Exception, match="already resolved"):
        discrepancy_resolve(discrepancy=discrepancy, resolution="found", actor=ps.manager)
    assert_stock_invariants()


def test_recount_sends_a_count_task_and_the_count_closes_the_discrepancy():
    ps, shirt, discrepancy = failed_bin()
    discrepancy_resolve(discrepancy=discrepancy, resolution="recount", actor=ps.manager)
    task = CountTask.objects.get()
    discrepancy.refresh_from_db()
    assert discrepancy.status == "open" and BinStock.objects.get(bin=ps.shelves[0], product=shirt).is_flagged
    count_task_complete(task=task, counted_qty=0, actor=ps.manager)
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.resolution) == ("resolved", "recount")
    task.refresh_from_db()
    assert (task.status, task.system_qty, task.counted_qty) == ("done", 4, 0)
    assert not BinStock.objects.filter(bin=ps.shelves[0], product=shirt, qty__gt=0).exists()
    assert Movement.objects.get(kind="adjust", product=shirt).reason.startswith("Cycle count")
    assert_stock_invariants()


def test_history_shows_the_bins_last_receipt_putaway_and_picks():
    ps, shirt, discrepancy = failed_bin()
    history = discrepancy_history(discrepancy)
    assert history.system_qty == 4
    assert history.last_receipt is not None and history.last_receipt.kind == "receive"
    assert history.last_picks == []
