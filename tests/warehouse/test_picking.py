"""Picking: waves from released orders, claims, scanner-first picks through the ledger, cancellations."""

import datetime as dt
import uuid

import pytest

from core import roles
from core.errors import DomainError
from inventory.models import BinStock, Movement, Reservation, StockLevel
from orders.models import FulfillmentOrder, Order
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.cancelling import order_cancel_through_warehouse
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import PickLine, PickSession, PickStrategy, StationScan, Wave
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.picking import (
    PickRefused,
    pick_claim_next,
    pick_scan,
    pick_session_assign,
    pick_session_release,
    pick_station_scan,
)
from warehouse.outbound.services.waves import WavePlanningError, wave_plan
from warehouse.services.station_scans import apply_scan_once

pytestmark = pytest.mark.django_db


def scan(session, raw, ps):
    return pick_scan(session=session, raw=raw, actor=ps.picker)


def test_a_batch_wave_puts_each_order_in_its_slot_and_sequences_lines_along_the_walk():
    ps = build_pick_site()
    far, near, middle = product(ps), product(ps), product(ps)
    put(far, ps.shelves[7], 10)
    put(near, ps.shelves[0], 10)
    put(middle, ps.shelves[3], 10)
    first = released(ps, [(far, 1), (near, 2)])
    second = released(ps, [(middle, 1)])

    wave = wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=PickStrategy.BATCH)

    session = wave.sessions.get()
    assert [s.fulfillment_order.order for s in session.slots.all()] == [first, second] or \
        {s.fulfillment_order.order_id for s in session.slots.all()} == {first.pk, second.pk}
    assert [line.bin.code for line in session.lines.all()] == ["A-01-01-A", "A-01-04-A", "A-01-08-A"]
    assert session.route_length == 2 * 80  # out to the far bin along the aisle and back
    with pytest.raises(WavePlanningError):
        wave_plan(warehouse=ps.warehouse, actor=ps.manager)  # nothing left to plan: no order in two waves


def test_single_and_zone_strategies_split_sessions_per_order_and_per_zone():
    ps = build_pick_site()
    a, b = product(ps), product(ps)
    put(a, ps.shelves[0], 5)
    put(b, ps.shelves[1], 5)
    released(ps, [(a, 1)])
    released(ps, [(b, 1)])
    wave = wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=PickStrategy.SINGLE)
    assert wave.sessions.count() == 2
    assert all(s.slots.count() == 1 for s in wave.sessions.all())


def test_lines_take_the_first_expiring_lot_then_the_oldest_stock():
    ps = build_pick_site()
    milk = product(ps)
    put(milk, ps.shelves[0], 3, lot="L-LATE", expiry=dt.date(2027, 6, 1))
    put(milk, ps.shelves[5], 2, lot="L-SOON", expiry=dt.date(2027, 1, 1))
    released(ps, [(milk, 4)])
    session = planned_and_claimed(ps)
    lines = {line.lot: line.qty for line in session.lines.all()}
    assert lines == {"L-SOON": 2, "L-LATE": 2}


def test_claiming_assigns_totes_and_starts_the_orders():
    ps = build_pick_site()
    a = product(ps)
    put(a, ps.shelves[0], 5)
    order = released(ps, [(a, 2)])
    session = planned_and_claimed(ps)
    assert session.status == PickSession.Status.CLAIMED and session.picker == ps.picker
    assert session.slots.get().tote.kind == "tote"
    order.refresh_from_db()
    assert order.status == Order.Status.IN_PROGRESS
    assert order.fulfillment_orders.get().status == FulfillmentOrder.Status.PICKING
    assert pick_claim_next(warehouse=ps.warehouse, actor=ps.picker) == session  # mine again, not a second one
    assert pick_claim_next(warehouse=ps.warehouse, actor=UserFactory(role=roles.PICKER)) is None


def test_scanner_pick_moves_stock_bin_to_tote_and_refuses_every_wrong_scan_without_change():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[2], 5)
    order = released(ps, [(shirt, 3)])
    session = planned_and_claimed(ps)
    line = current_line(session)
    tote = line.slot.tote
    before = Movement.objects.count()

    for raw, words in [
        (gtin_of(shirt), "scan bin A-01-03-A first"),
        ("BIN:A-01-01-A", "wrong bin A-01-01-A: go to A-01-03-A"),
        ("x4", "over-scan"),
        ("TOTE:T-001", "scan bin A-01-03-A"),
    ]:
        with pytest.raises(PickRefused, match=words):
            scan(session, raw, ps)
    assert scan(session, "BIN:A-01-03-A", ps).ok
    other = product(ps)
    with pytest.raises(PickRefused, match="wrong item"):
        scan(session, gtin_of(other), ps)
    assert Movement.objects.count() == before

    assert scan(session, "x2", ps).ok
    reply = scan(session, gtin_of(shirt), ps)
    assert reply.data["picked"] == 2 and reply.data["tote"] == tote.code
    reply = scan(session, shirt.sku, ps)  # typed SKU works as well as the barcode
    assert reply.data.get("done") is True

    assert BinStock.objects.get(bin=tote, product=shirt).qty == 3
    assert BinStock.objects.get(bin=ps.shelves[2], product=shirt).qty == 2
    reservation = Reservation.objects.get(order_line_id=order.lines.get().pk)
    assert (reservation.qty, reservation.picked_qty) == (0, 3)
    picks = Movement.objects.filter(kind="pick", reference=f"pick:{session.pk}")
    assert sorted(m.qty for m in picks) == [-2, -1, 1, 2]
    session.refresh_from_db()
    assert session.status == PickSession.Status.DONE and session.wave.status == Wave.Status.DONE
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 3
    assert_stock_invariants()


def test_a_double_submitted_scan_is_applied_once():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 2)])
    planned_and_claimed(ps)

    def submit(scan_id, raw):
        return apply_scan_once(scan_id=scan_id, station="pick", user=ps.picker, raw=raw,
                               action=lambda: pick_station_scan(warehouse=ps.warehouse, raw=raw, actor=ps.picker))

    submit(uuid.uuid4(), "BIN:A-01-01-A")
    item_scan = uuid.uuid4()
    first = submit(item_scan, gtin_of(shirt))
    again = submit(item_scan, gtin_of(shirt))
    assert first.ok and again.replayed and again.message == first.message
    assert PickLine.objects.get().picked_qty == 1
    assert StationScan.objects.filter(station="pick").count() == 2


def test_a_released_session_keeps_its_picks_and_a_manager_can_hand_it_to_another_picker():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 2)])
    session = planned_and_claimed(ps)
    scan(session, "BIN:A-01-01-A", ps)
    scan(session, shirt.sku, ps)
    with pytest.raises(DomainError, match="a reason is required"):
        pick_session_release(session=session, actor=ps.manager)
    session.refresh_from_db()
    assert session.status == PickSession.Status.CLAIMED and session.picker is not None
    pick_session_release(session=session, actor=ps.manager, reason="picker went home sick")
    session.refresh_from_db()
    assert session.status == PickSession.Status.OPEN and session.picker is None
    assert (session.release_reason, session.released_by) == ("picker went home sick", ps.manager.username)
    other = UserFactory(role=roles.PICKER)
    pick_session_assign(session=session, picker=other, actor=ps.manager)
    with pytest.raises(PickRefused, match="belongs to"):
        scan(session, "BIN:A-01-01-A", ps)
    pick_scan(session=session, raw="BIN:A-01-01-A", actor=other)
    reply = pick_scan(session=session, raw=shirt.sku, actor=other)
    assert reply.data["done"] is True
    assert PickLine.objects.get().picked_qty == 2
    assert_stock_invariants()


def test_cancelling_after_picking_started_stops_the_work_and_puts_picked_units_back():
    ps = build_pick_site()
    shirt, cap = product(ps), product(ps)
    put(shirt, ps.shelves[0], 5)
    put(cap, ps.shelves[4], 5)
    order = released(ps, [(shirt, 2), (cap, 1)])
    session = planned_and_claimed(ps)
    scan(session, "BIN:A-01-01-A", ps)
    scan(session, "x2", ps)
    scan(session, shirt.sku, ps)

    order_cancel_through_warehouse(order=order, actor=ps.manager, reason="customer changed their mind")

    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).qty == 5
    assert not BinStock.objects.filter(bin__kind="tote", qty__gt=0).exists()
    assert set(PickLine.objects.values_list("status", flat=True)) == {PickLine.Status.CANCELLED}
    session.refresh_from_db()
    assert session.status == PickSession.Status.DONE
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 0
    assert Movement.objects.filter(kind="unpick", product=shirt).count() == 2
    assert_stock_invariants()


def test_a_line_whose_order_was_edited_down_is_shortened_not_over_picked():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 3)])
    session = planned_and_claimed(ps)
    reservation = Reservation.objects.get(order_line_id=order.lines.get().pk)
    from inventory.services.reservations import stock_release

    stock_release(reservation=reservation, actor="edit", qty=2, reason="line edited to 1")
    scan(session, "BIN:A-01-01-A", ps)
    reply = scan(session, "x2", ps)
    reply = scan(session, shirt.sku, ps)
    assert not reply.ok and "order changed" in reply.message
    line = PickLine.objects.get()
    assert line.qty == 1 and line.picked_qty == 0
    assert scan(session, shirt.sku, ps).data["done"] is True
    assert_stock_invariants()
