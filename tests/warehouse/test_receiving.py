"""Receiving against POs and ASNs: every exception kind, GS1 lot/expiry, SSCC cartons, refusals that change nothing."""

import datetime as dt

import pytest

from inventory.models import BinStock, Condition, Movement, StockLevel
from layout.models import Zone
from orders.models import Order
from orders.services.allocation import order_allocate
from tests.factories import BinFactory, MerchantFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import order_with_lines
from tests.orders.stock_sync import sync_stock_now
from tests.warehouse.inbound import build_site, gs1, gtin_of, make_po, new_product, sscc
from warehouse.inbound.services.purchase_orders import ExpectedLine, purchase_order_create
from warehouse.inbound.services.receiving import (
    OverTolerance,
    ReceivingRefused,
    receipt_close,
    receipt_open,
    receiving_scan,
    unknown_barcode_map,
)
from warehouse.models import ExceptionKind, PurchaseOrder, PutawayTask, Receipt, ReceivingException

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return build_site()


def scan(receipt, raw, site):
    return receiving_scan(receipt=receipt, raw=raw, actor=site.receiver)


def dock_qty(site, product, condition=Condition.SELLABLE):
    return sum(BinStock.objects.filter(bin=site.dock, product=product, condition=condition).values_list("qty", flat=True))


def snapshot(site):
    return (
        list(BinStock.objects.order_by("pk").values_list("pk", "qty")),
        Movement.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "unavailable")),
    )


def test_repeated_and_typed_quantities_land_in_the_dock_through_the_ledger(site):
    product = new_product(site)
    po = make_po(site, [(product, 10)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, gtin_of(product), site)
    scan(receipt, gtin_of(product)[1:], site)  # the same item read as EAN-13
    scan(receipt, "x5", site)
    reply = scan(receipt, product.sku, site)  # the merchant's SKU typed
    assert reply.ok and "7 of 10" in reply.message
    line = po.lines.get()
    assert (line.received_qty, line.damaged_qty, line.outstanding) == (7, 0, 3)
    assert dock_qty(site, product) == 7
    assert list(Movement.objects.filter(product=product).order_by("pk").values_list("kind", "qty", "reference")) == [
        ("receive", 1, f"receipt:{receipt.pk}"), ("receive", 1, f"receipt:{receipt.pk}"), ("receive", 5, f"receipt:{receipt.pk}"),
    ]
    po.refresh_from_db()
    receipt.refresh_from_db()
    assert po.status == PurchaseOrder.Status.RECEIVING and receipt.first_received_at is not None
    assert_stock_invariants()


def test_gs1_128_with_lot_expiry_and_count_keeps_lot_and_expiry_on_the_bin_stock(site):
    product = new_product(site)
    po = make_po(site, [(product, 24)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    reply = scan(receipt, gs1(gtin_of(product), expiry="271130", lot="L2311A", count=12), site)
    assert reply.ok, reply.message
    scan(receipt, f"(01){gtin_of(product)}(17)280200(10)L2402B", site)  # human-readable form, day 00 = month end
    rows = {r.lot: r for r in BinStock.objects.filter(bin=site.dock, product=product)}
    assert rows["L2311A"].qty == 12 and rows["L2311A"].expiry == dt.date(2027, 11, 30)
    assert rows["L2402B"].qty == 1 and rows["L2402B"].expiry == dt.date(2028, 2, 29)
    assert po.lines.get().received_qty == 13


def test_over_receipt_within_tolerance_is_accepted_and_recorded(site):
    product = new_product(site)
    po = make_po(site, [(product, 10)], over_receipt_tolerance_pct=20)
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, "x11", site)
    reply = scan(receipt, product.sku, site)
    assert reply.ok and "over expected" in reply.message
    scan(receipt, product.sku, site)
    over = ReceivingException.objects.get(kind=ExceptionKind.OVER)
    assert (over.product, over.qty) == (product, 2)
    assert po.lines.get().over == 2


def test_over_tolerance_is_refused_and_changes_nothing(site):
    product = new_product(site)
    po = make_po(site, [(product, 10)], over_receipt_tolerance_pct=10)
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, "x10", site)
    scan(receipt, product.sku, site)
    before = snapshot(site)
    scan(receipt, "x2", site)
    with pytest.raises(OverTolerance, match="exceed the 10% tolerance"):
        scan(receipt, product.sku, site)
    assert snapshot(site) == before
    assert po.lines.get().received_qty == 10


def test_short_lines_become_exceptions_when_the_po_is_finished(site):
    a, b = new_product(site), new_product(site)
    po = make_po(site, [(a, 5), (b, 3)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, "x4", site)
    scan(receipt, a.sku, site)
    reply = scan(receipt, "CMD:DONE", site)
    assert reply.ok and reply.data["putaway_tasks"] == 1
    shorts = {e.product.sku: e.qty for e in ReceivingException.objects.filter(kind=ExceptionKind.SHORT)}
    assert shorts == {a.sku: 1, b.sku: 3}
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.RECEIVED
    with pytest.raises(ReceivingRefused, match="received"):
        receipt_open(purchase_order=po, actor=site.receiver)


def test_partial_close_keeps_the_po_open_for_the_next_delivery(site):
    product = new_product(site)
    po = make_po(site, [(product, 5)])
    first = receipt_open(purchase_order=po, actor=site.receiver)
    scan(first, product.sku, site)
    scan(first, "CMD:PARTIAL", site)
    assert not ReceivingException.objects.filter(kind=ExceptionKind.SHORT).exists()
    second = receipt_open(purchase_order=po, actor=site.receiver)
    assert second.pk != first.pk
    scan(second, "x4", site)
    scan(second, product.sku, site)
    assert po.lines.get().outstanding == 0


def test_damaged_units_are_received_into_the_damaged_condition(site):
    product = new_product(site)
    po = make_po(site, [(product, 5)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, "CMD:DAMAGED", site)
    scan(receipt, "x2", site)
    reply = scan(receipt, product.sku, site)
    assert "DAMAGED" in reply.message
    scan(receipt, product.sku, site)  # damaged mode lasts one scan
    line = po.lines.get()
    assert (line.received_qty, line.damaged_qty) == (1, 2)
    assert dock_qty(site, product, Condition.DAMAGED) == 2
    level = StockLevel.objects.get(product=product, warehouse=site.warehouse)
    assert (level.on_hand, level.unavailable, level.available) == (3, 2, 1)
    assert ReceivingException.objects.get(kind=ExceptionKind.DAMAGED).qty == 2
    assert_stock_invariants()


def test_unexpected_sku_is_received_and_recorded_or_refused_when_the_po_says_so(site):
    expected, surprise = new_product(site), new_product(site)
    po = make_po(site, [(expected, 5)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, "x3", site)
    assert "unexpected" in scan(receipt, surprise.sku, site).message
    line = po.lines.get(product=surprise)
    assert (line.expected_qty, line.received_qty) == (0, 3)
    assert ReceivingException.objects.get(kind=ExceptionKind.UNEXPECTED_SKU).qty == 3

    strict = make_po(site, [(expected, 5)], allow_unexpected=False)
    strict_receipt = receipt_open(purchase_order=strict, actor=site.receiver)
    before = snapshot(site)
    with pytest.raises(ReceivingRefused, match="no unexpected SKUs"):
        scan(strict_receipt, surprise.sku, site)
    assert snapshot(site) == before


def test_unknown_barcode_is_captured_then_mapped_by_a_manager(site):
    product = ProductFactory(merchant=site.merchant, gtin="0" + "4006381333931")
    po = make_po(site, [(product, 5)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    before = snapshot(site)
    reply = scan(receipt, "96385074", site)  # a valid EAN-8 nobody knows
    assert not reply.ok and "Unknown barcode" in reply.message
    assert snapshot(site) == before
    captured = ReceivingException.objects.get(kind=ExceptionKind.UNKNOWN_BARCODE)
    assert captured.barcode == "00000096385074"
    unknown_barcode_map(exception=captured, product=product, actor=site.manager)
    captured.refresh_from_db()
    assert captured.resolved_at and "mapped" in captured.resolution
    assert scan(receipt, "96385074", site).ok
    assert po.lines.get().received_qty == 1


def test_a_bin_or_barcode_of_someone_else_is_refused_and_changes_nothing(site):
    product = new_product(site)
    po = make_po(site, [(product, 5)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    other_wh = WarehouseFactory()
    BinFactory(zone=ZoneFactory(warehouse=other_wh, kind=Zone.Kind.RECEIVING), code="DOCK-9", kind="dock")
    foreign = ProductFactory(merchant=MerchantFactory())
    before = snapshot(site)
    with pytest.raises(ReceivingRefused, match=f"in warehouse {other_wh.code}"):
        scan(receipt, "BIN:DOCK-9", site)
    with pytest.raises(ReceivingRefused, match="another merchant"):
        scan(receipt, gtin_of(foreign), site)
    with pytest.raises(ReceivingRefused, match="not a dock bin"):
        scan(receipt, f"BIN:{site.shelves[0].code}", site)
    assert snapshot(site) == before
    receipt.refresh_from_db()
    assert receipt.dock_bin == site.dock


def test_scanning_an_asn_carton_receives_all_of_it_once(site):
    a, b = new_product(site), new_product(site)
    code = sscc(42)
    po = purchase_order_create(
        merchant=site.merchant, warehouse=site.warehouse, number="ASN-1", kind="asn", actor=site.manager,
        lines=[ExpectedLine(a.sku, 12, sscc=code, lot="LA", expiry=dt.date(2027, 1, 31)), ExpectedLine(b.sku, 6, sscc=code)],
    )
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    reply = scan(receipt, f"]C100{code}", site)
    assert reply.ok and reply.data["qty"] == 18
    assert BinStock.objects.get(bin=site.dock, product=a).lot == "LA"
    with pytest.raises(ReceivingRefused, match="already received"):
        scan(receipt, code, site)
    with pytest.raises(ReceivingRefused, match="not on ASN-1"):
        scan(receipt, sscc(43), site)
    assert {line.product_id: line.received_qty for line in po.lines.all()} == {a.pk: 12, b.pk: 6}


def test_closing_makes_one_putaway_task_per_product_condition_and_lot(site):
    product = new_product(site)
    po = make_po(site, [(product, 30)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, gs1(gtin_of(product), lot="A1", count=10), site)
    scan(receipt, gs1(gtin_of(product), lot="A1", count=5), site)
    scan(receipt, gs1(gtin_of(product), lot="B2", count=4), site)
    scan(receipt, "CMD:DAMAGED", site)
    scan(receipt, gs1(gtin_of(product), lot="B2", count=1), site)
    receipt_close(receipt=receipt, actor=site.receiver)
    tasks = {(t.lot, t.condition): t.qty for t in PutawayTask.objects.filter(receipt=receipt)}
    assert tasks == {("A1", "sellable"): 15, ("B2", "sellable"): 4, ("B2", "damaged"): 1}
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.PUTAWAY


def test_received_stock_fills_backorders_and_is_pushed(site):
    product = new_product(site)
    order = order_with_lines(lines=[(product, 3)])
    assert order_allocate(order_id=order.pk).status == Order.Status.BACKORDERED
    po = make_po(site, [(product, 3)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    scan(receipt, "x3", site)
    scan(receipt, product.sku, site)
    sync_stock_now()  # what the stock tasks run after the commit
    order.refresh_from_db()
    assert order.status in (Order.Status.ALLOCATED, Order.Status.RELEASED)
    assert StockLevel.objects.get(product=product, warehouse=site.warehouse).allocated == 3
