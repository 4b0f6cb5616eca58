"""A small facility history with known figures: every KPI's hand-computed value is written next to the rows
that make it (see test_kpis.py). Rows are written directly: the dashboards only read them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core import roles
from inventory.models import BinStock, DriftFinding, Reservation
from layout.models import Bin
from orders.models import FulfillmentOrder, InboxDelivery, OrderLine, OutboxMessage
from returns.models import Grade, ReturnAuthorization, ReturnParcel, ReturnUnit
from shipping.models import Shipment
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, WarehouseFactory, ZoneFactory
from tests.orders.factories import ChannelFactory, OrderFactory
from warehouse.models import (
    Carton,
    CountTask,
    Discrepancy,
    Pack,
    PickLine,
    PickSession,
    PickSlot,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    StationScan,
    Wave,
)

# A Wednesday afternoon: "today" starts at 00:00 UTC, the week runs Monday 8 to Sunday 14 June.
NOW = dt.datetime(2026, 6, 10, 15, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
F = FulfillmentOrder.Status


@dataclass
class History:
    warehouse: object
    other_warehouse: object
    merchant: object
    other_merchant: object
    manager: object
    fulfillments: dict = field(default_factory=dict)
    pickers: list = field(default_factory=list)
    zones: list = field(default_factory=list)


def _at(model, pk, **stamps):
    model.objects.filter(pk=pk).update(**stamps)


def _fulfillment(history, name, *, status, ship_by=None, placed=None, shipped=None, merchant=None, warehouse=None):
    merchant = merchant or history.merchant
    channel = history.channels[merchant.pk]
    order = OrderFactory(channel=channel, merchant=merchant, placed_at=placed, ship_by=ship_by,
                         status="shipped" if status == F.SHIPPED else "in_progress")
    fo = FulfillmentOrder.objects.create(order=order, warehouse=warehouse or history.warehouse, status=status,
                                         ship_by=ship_by, shipped_at=shipped)
    history.fulfillments[name] = fo
    return fo


def _session(history, *, picker, claimed, completed, lines: list[tuple[str, int]], product, shelf):
    """lines: [(status, failed_qty)]"""
    fo = history.fulfillments["in_wave"]
    wave = Wave.objects.create(warehouse=history.warehouse)
    session = PickSession.objects.create(wave=wave, warehouse=history.warehouse, strategy="single", status="done",
                                         picker=picker, claimed_at=claimed, completed_at=completed)
    slot = PickSlot.objects.create(session=session, fulfillment_order=fo, slot=1)
    for status, failed in lines:
        line = OrderLine.objects.create(order=fo.order, line_no=OrderLine.objects.filter(order=fo.order).count() + 1,
                                        sku=product.sku, product=product, quantity=1)
        reservation = Reservation.objects.create(product=product, warehouse=history.warehouse, order_line_id=line.pk, qty=1)
        PickLine.objects.create(session=session, slot=slot, reservation=reservation, order_line_id=line.pk, product=product,
                                bin=shelf, qty=1, picked_qty=0 if failed else 1, failed_qty=failed, status=status)
    return session


def build_history(now: dt.datetime = NOW, tag: str = "") -> History:
    """The history as seen at `now` (the fixed Wednesday by default; the pages read the clock); `tag` suffixes
    every code and name, so the same history can be built twice."""
    NOW = now
    roles.ensure_roles()
    warehouse = WarehouseFactory(code=f"ewr{tag}", square_feet=1000, usable_height_ft=10, capacity_alert_pct=80,
                                 sla_dock_to_stock_hours=24)
    other = WarehouseFactory(code=f"lax{tag}", square_feet=500)
    merchant, other_merchant = MerchantFactory(code=f"acme{tag}"), MerchantFactory(code=f"globex{tag}")
    history = History(warehouse, other, merchant, other_merchant, UserFactory(username=f"olivia{tag}", role=roles.OPS_MANAGER))
    history.channels = {m.pk: ChannelFactory(merchant=m) for m in (merchant, other_merchant)}

    # Open work (now 15:00). At risk: released with 2 h left (needs 3 h), picking 1 h overdue, globex's picking
    # due now. Due today: those three and the packed one. Not due: allocated tomorrow, in-wave without a ship-by.
    _fulfillment(history, "released_soon", status=F.RELEASED, ship_by=NOW + 2 * H)
    _fulfillment(history, "packed_soon", status=F.PACKED, ship_by=NOW + 2 * H)
    _fulfillment(history, "allocated_tomorrow", status=F.ALLOCATED, ship_by=NOW + D)
    _fulfillment(history, "picking_overdue", status=F.PICKING, ship_by=NOW - H)
    _fulfillment(history, "in_wave", status=F.IN_WAVE)
    _fulfillment(history, "globex_picking", status=F.PICKING, ship_by=NOW, merchant=other_merchant)
    _fulfillment(history, "other_facility", status=F.RELEASED, ship_by=NOW + H, warehouse=other)
    # Shipped: 2 h on time, 10 h late, 30 h with no ship-by (on time), and one 10 days ago (5 h).
    _fulfillment(history, "shipped_2h", status=F.SHIPPED, placed=NOW - 3 * D, shipped=NOW - 3 * D + 2 * H,
                 ship_by=NOW - 3 * D + 3 * H)
    _fulfillment(history, "shipped_10h_late", status=F.SHIPPED, placed=NOW - 2 * D, shipped=NOW - 2 * D + 10 * H,
                 ship_by=NOW - 2 * D + 6 * H)
    _fulfillment(history, "shipped_30h", status=F.SHIPPED, placed=NOW - 4 * D, shipped=NOW - 4 * D + 30 * H)
    _fulfillment(history, "shipped_old", status=F.SHIPPED, placed=NOW - 10 * D - 5 * H, shipped=NOW - 10 * D)

    # Layout and stock: zone A has two bins of 100 holding 80 and 90; zone B one bin with no capacity holding 500.
    zone_a = ZoneFactory(warehouse=warehouse, code="A", name="Aisles")
    zone_b = ZoneFactory(warehouse=warehouse, code="B", name="Bulk")
    history.zones = [zone_a, zone_b]
    a1, a2 = BinFactory(zone=zone_a, capacity=100), BinFactory(zone=zone_a, capacity=100)
    b1 = BinFactory(zone=zone_b, capacity=None)
    cube = ProductFactory(merchant=merchant, length_mm=100, width_mm=100, height_mm=100)
    for bin_, qty in ((a1, 80), (a2, 90), (b1, 500)):
        BinStock.objects.create(product=cube, bin=bin_, warehouse=warehouse, qty=qty)

    # Inbound: 100 expected this week, 30 received and 10 damaged: 60 to come; next week's and cancelled don't count.
    for expected_date, status in ((NOW.date() + dt.timedelta(days=1), "open"), (NOW.date() + 7 * D, "open"),
                                  (NOW.date(), "cancelled")):
        po = PurchaseOrder.objects.create(merchant=merchant, warehouse=warehouse, number=f"PO-{expected_date}-{status}{tag}",
                                          expected_date=expected_date, status=status)
        PurchaseOrderLine.objects.create(purchase_order=po, product=cube, expected_qty=100, received_qty=30, damaged_qty=10)

    # Dock to stock: 2 h a day ago, 30 h (over the 24 h SLA) two days ago, 1 h twenty days ago.
    dock = BinFactory(zone=zone_a, kind=Bin.Kind.DOCK, code=f"DOCK-1{tag}")
    for stocked, seconds in ((NOW - D, 2 * 3600), (NOW - 2 * D, 30 * 3600), (NOW - 20 * D, 3600)):
        Receipt.objects.create(purchase_order=po, warehouse=warehouse, dock_bin=dock, status="stocked",
                               stocked_at=stocked, dock_to_stock_seconds=seconds)

    # Discrepancies open 2 h, 2 days, 5 days, 10 days; one resolved (not counted); one at the other facility.
    for age, status, wh in ((2 * H, "open", warehouse), (2 * D, "open", warehouse), (5 * D, "open", warehouse),
                            (10 * D, "open", warehouse), (10 * D, "resolved", warehouse), (D, "open", other)):
        shelf = a1 if wh == warehouse else BinFactory(zone=ZoneFactory(warehouse=other))
        d = Discrepancy.objects.create(warehouse=wh, product=cube, bin=shelf, kind="short", expected_qty=5, found_qty=2,
                                       status=status)
        _at(Discrepancy, d.pk, created_at=NOW - age)

    # Storefront messages: acme has one parked delivery, globex one parked update.
    InboxDelivery.objects.create(channel=history.channels[merchant.pk], dedup_key=f"d1{tag}", topic="orders/create", body="{}",
                                 status="parked", last_error="bad payload")
    InboxDelivery.objects.create(channel=history.channels[merchant.pk], dedup_key=f"d2{tag}", topic="orders/create", body="{}",
                                 status="processed")
    globex_fo = history.fulfillments["globex_picking"]
    OutboxMessage.objects.create(channel=history.channels[other_merchant.pk], order=globex_fo.order, sequence=1,
                                 kind="shipped", status="failed", last_error="storefront said 422")

    # Awaiting manifest: one labelled carton of the packed order.
    packed = history.fulfillments["packed_soon"]
    pack_bin = BinFactory(zone=zone_a, kind=Bin.Kind.PACK_STATION, code=f"PACK-1{tag}")
    packer = UserFactory(username=f"pete{tag}", role=roles.PACKER)
    pack = Pack.objects.create(fulfillment_order=packed, warehouse=warehouse, pack_bin=pack_bin, packer=packer)
    _at(Pack, pack.pk, started_at=NOW - 2 * D)
    carton = Carton.objects.create(pack=pack, number=1)
    Shipment.objects.create(carton=carton, warehouse=warehouse, fulfillment_order=packed, from_bin=pack_bin, weight_g=500,
                            status="labelled", reference=f"R-1{tag}")

    # Picking: ann 3 picked + 1 failed in 2 h today; bob 2 picked in 1 h two days ago; carl 5 picked 20 days ago.
    ann, bob, carl = (UserFactory(username=f"{name}{tag}", role=roles.PICKER) for name in ("ann", "bob", "carl"))
    history.pickers = [ann, bob, carl]
    _session(history, picker=ann, claimed=NOW - 3 * H, completed=NOW - H,
             lines=[("picked", 0)] * 3 + [("failed", 1)], product=cube, shelf=a1)
    _session(history, picker=bob, claimed=NOW - 2 * D - H, completed=NOW - 2 * D, lines=[("picked", 0)] * 2,
             product=cube, shelf=a1)
    _session(history, picker=carl, claimed=NOW - 20 * D - H, completed=NOW - 20 * D, lines=[("picked", 0)] * 5,
             product=cube, shelf=a1)
    # Pack-out: pete scanned one wrong item yesterday; somebody who never packed here scanned another.
    stranger = UserFactory(username=f"sam{tag}", role=roles.PACKER)
    for user in (packer, stranger):
        scan = StationScan.objects.create(scan_id=uuid.uuid4(), station="pack", user=user,
                                          raw="4006381333931", ok=False, message="wrong item: 4006381333931 is not in order")
        _at(StationScan, scan.pk, created_at=NOW - D)

    # Counts: 10 of 10 matched, 3 of 5 (2 short), 6 of 4 (2 over); one still open.
    for system, counted, status in ((10, 10, "done"), (5, 3, "done"), (4, 6, "done"), (7, None, "open")):
        CountTask.objects.create(warehouse=warehouse, bin=a1, product=cube, status=status, system_qty=system,
                                 counted_qty=counted, counted_at=NOW - 3 * H if counted is not None else None)

    # Returns: two units graded a day ago, 4 h and 8 h after they were received.
    order = history.fulfillments["shipped_2h"].order
    rma = ReturnAuthorization.objects.create(merchant=merchant, order=order, warehouse=warehouse, resolution="refund",
                                             source="test", created_by="test", status="graded")
    parcel = ReturnParcel.objects.create(warehouse=warehouse, rma=rma, status="done", scanned="RMA", holding_bin=b1,
                                         received_by="test")
    grade = Grade.objects.create(code=f"as-new-test{tag}", label="As new")
    for took in (4, 8):
        unit = ReturnUnit.objects.create(parcel=parcel, rma=rma, product=cube, status="graded", received_by="test",
                                         graded_at=NOW - D, grade=grade, disposition=grade.disposition,
                                         wrong_item=True)
        _at(ReturnUnit, unit.pk, received_at=NOW - D - took * H)

    # A drift finding for the alerts.
    DriftFinding.objects.create(product=cube, warehouse=warehouse, kind="bin_sum", recorded=670, recomputed=660,
                                run="00000000-0000-0000-0000-000000000001")
    return history
