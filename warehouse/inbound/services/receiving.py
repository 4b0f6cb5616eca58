"""Receiving at the dock: open a receipt for a PO/ASN, apply each scan, close it into putaway tasks.

Every station (htmx page, REST handheld) calls `receiving_scan`, wrapped in `apply_scan_once`.
Received units land in the receipt's dock bin through `inventory.services.stock.stock_receive`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import Conflict, DomainError, NotFound
from core.events import event_record
from core.models import EventKind
from inventory.gtin import InvalidBarcode, gtin_normalize
from inventory.models import Condition, Movement, MovementKind, Product, ProductBarcode
from inventory.services.products import product_update
from inventory.services.stock import stock_receive
from layout.models import Bin
from warehouse.inbound.services.lifecycle import purchase_order_transition, receipt_transition
from warehouse.locks import lock_purchase_order, lock_purchase_order_line, lock_receipt
from warehouse.models import (
    AsnCarton,
    ExceptionKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayTask,
    Receipt,
    ReceivingException,
)
from warehouse.scanning import Scan, ScanKind, parse_scan
from warehouse.services.scan_match import scan_packaging
from warehouse.services.serials import serial_receive, serial_required
from warehouse.services.station_scans import StationReply


class ReceivingRefused(DomainError):
    code = "receiving_refused"


class OverTolerance(ReceivingRefused):
    code = "over_tolerance"


class UnknownBarcode(ReceivingRefused):
    code = "unknown_barcode"


COMMANDS_HELP = "CMD:DAMAGED (next item damaged), CMD:DONE (finish, PO complete), CMD:PARTIAL (finish, more to come)"


@transaction.atomic
def receipt_open(*, purchase_order: PurchaseOrder, actor, dock_bin: Bin | None = None) -> Receipt:
    """Start (or join) receiving a PO at a dock; a PO has one receipt open at a time."""
    po = lock_purchase_order(purchase_order.pk)
    if po.status in (PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CANCELLED):
        raise ReceivingRefused(f"{po.number} is {po.get_status_display().lower()}: nothing more can be received")
    open_receipt = po.receipts.filter(status=Receipt.Status.RECEIVING).first()
    if open_receipt:
        return open_receipt
    dock = dock_bin or _default_dock(po)
    _check_dock(dock, po)
    return Receipt.objects.create(purchase_order=po, warehouse_id=po.warehouse_id, dock_bin=dock, received_by=actor)


@transaction.atomic
def receiving_scan(*, receipt: Receipt, raw: str, actor) -> StationReply:
    """One scan at the receiving station: a quantity, a command, a dock bin, an SSCC or an item."""
    receipt = lock_receipt(receipt.pk, related=("purchase_order__merchant", "dock_bin"))
    if receipt.status != Receipt.Status.RECEIVING:
        raise ReceivingRefused(f"receipt {receipt.pk} is closed ({receipt.get_status_display().lower()})")
    scan = parse_scan(raw)
    if scan.kind == ScanKind.QTY:
        receipt.pending_qty = scan.qty
        receipt.save(update_fields=["pending_qty"])
        return StationReply(True, f"Quantity {scan.qty}: now scan the item", {"pending_qty": scan.qty})
    if scan.kind == ScanKind.COMMAND:
        return _command(receipt, scan.code, actor)
    if scan.kind == ScanKind.BIN:
        dock = Bin.objects.filter(warehouse_id=receipt.warehouse_id, code=scan.code).first()
        if dock is None:
            elsewhere = Bin.objects.filter(code=scan.code).exclude(warehouse_id=receipt.warehouse_id).first()
            if elsewhere:
                raise ReceivingRefused(f"bin {scan.code} is in warehouse {elsewhere.warehouse.code}, not this one")
            raise ReceivingRefused(f"no bin {scan.code} in this warehouse")
        _check_dock(dock, receipt.purchase_order)
        receipt.dock_bin = dock
        receipt.save(update_fields=["dock_bin"])
        return StationReply(True, f"Receiving into dock {dock.code}")
    if scan.kind == ScanKind.PO:
        if scan.code == receipt.purchase_order.number:
            return StationReply(True, f"Already receiving {scan.code}")
        raise ReceivingRefused(f"finish {receipt.purchase_order.number} (CMD:DONE or CMD:PARTIAL) before {scan.code}")
    if scan.kind == ScanKind.SSCC:
        return _receive_carton(receipt, scan, actor)
    if scan.kind in (ScanKind.GTIN, ScanKind.GS1, ScanKind.SKU):
        product = _product_for(receipt, scan, actor)
        pack = scan_packaging(scan, receipt.purchase_order.merchant_id) if product is None else None
        if pack is not None:  # an inner pack or case: its eaches are received
            product = pack.product
        if product is None:
            return _unknown_barcode(receipt, scan, actor)
        qty = (scan.count or receipt.pending_qty or 1) * (pack.units if pack else 1)
        serial = serial_required(product, scan, qty)
        if serial:
            serial_receive(product=product, serial=serial, warehouse_id=receipt.warehouse_id, receipt=receipt, actor=actor)
        return _receive(receipt, product, qty, actor, lot=scan.lot or "", expiry=scan.expiry, serial=scan.serial)
    raise ReceivingRefused(f"a {scan.kind.value} label is not used at receiving. {COMMANDS_HELP}")


def _receive(receipt: Receipt, product: Product, qty: int, actor, *, lot: str = "", expiry=None, serial=None) -> StationReply:
    po = receipt.purchase_order
    if po.status == PurchaseOrder.Status.OPEN:  # the first unit: the PO starts receiving (locked before stock)
        po = receipt.purchase_order = lock_purchase_order(po.pk, related=("merchant",))
    damaged = receipt.pending_damaged
    line = lock_purchase_order_line(purchase_order_id=po.pk, product_id=product.pk)
    unexpected = line is None or line.expected_qty == 0
    if line is None:
        if not po.allow_unexpected:
            raise ReceivingRefused(f"{product.sku} is not on {po.number} and this PO takes no unexpected SKUs")
        line = PurchaseOrderLine.objects.create(purchase_order=po, product=product, expected_qty=0)
    if not unexpected:
        limit = line.expected_qty + line.expected_qty * po.over_receipt_tolerance_pct // 100
        if line.total_received + qty > limit:
            raise OverTolerance(
                f"over tolerance: {product.sku} expected {line.expected_qty}, received {line.total_received}, "
                f"{qty} more would exceed the {po.over_receipt_tolerance_pct}% tolerance ({limit} units). Not received.",
                sku=product.sku,
            )
    condition = Condition.DAMAGED if damaged else Condition.SELLABLE
    stock_receive(
        product=product, bin=receipt.dock_bin, qty=qty, actor=actor, condition=condition, lot=lot, expiry=expiry,
        merchant=po.merchant, reference=f"receipt:{receipt.pk}", reason=f"Received on {po.number}"
        + (f", serial {serial}" if serial else ""),
    )
    if damaged:
        line.damaged_qty += qty
    else:
        line.received_qty += qty
    line.save(update_fields=["received_qty", "damaged_qty"])
    if damaged:
        _exception(receipt, ExceptionKind.DAMAGED, actor, product=product, qty=qty, note="received into damaged")
    elif unexpected:
        _exception(receipt, ExceptionKind.UNEXPECTED_SKU, actor, product=product, qty=qty, add=True,
                   note=f"not expected on {po.number}")
    elif line.over:
        _exception(receipt, ExceptionKind.OVER, actor, product=product, qty=line.over, replace=True,
                   note=f"expected {line.expected_qty}, received {line.total_received}")
    _started(receipt, po)
    receipt.pending_qty = None
    receipt.pending_damaged = False
    receipt.save(update_fields=["pending_qty", "pending_damaged", "first_received_at"])
    words = f"{qty} x {product.sku}" + (" DAMAGED" if damaged else "") + (f" lot {lot}" if lot else "")
    if expiry:
        words += f" exp {expiry.isoformat()}"
    note = " (unexpected SKU, recorded)" if unexpected else (" (over expected, within tolerance)" if line.over else "")
    return StationReply(True, f"Received {words}: {line.total_received} of {line.expected_qty}{note}",
                        {"sku": product.sku, "qty": qty, "line_received": line.total_received,
                         "line_expected": line.expected_qty})


def _receive_carton(receipt: Receipt, scan: Scan, actor) -> StationReply:
    cartons = list(AsnCarton.objects.select_for_update(of=("self",), no_key=True).filter(purchase_order=receipt.purchase_order, sscc=scan.sscc)
                   .select_related("product"))
    if not cartons:
        raise ReceivingRefused(f"SSCC {scan.sscc} is not on {receipt.purchase_order.number}")
    if all(c.received_at for c in cartons):
        raise ReceivingRefused(f"SSCC {scan.sscc} was already received")
    total = 0
    for carton in cartons:
        if carton.received_at:
            continue
        receipt.pending_qty = None
        _receive(receipt, carton.product, carton.qty, actor, lot=carton.lot, expiry=carton.expiry)
        carton.received_at = timezone.now()
        carton.save(update_fields=["received_at"])
        total += carton.qty
    return StationReply(True, f"Received carton {scan.sscc}: {total} units of "
                        + ", ".join(sorted({c.product.sku for c in cartons})), {"sscc": scan.sscc, "qty": total})


def _product_for(receipt: Receipt, scan: Scan, actor) -> Product | None:
    merchant_id = receipt.purchase_order.merchant_id
    if scan.gtin:
        barcode = ProductBarcode.objects.filter(merchant_id=merchant_id, gtin=scan.gtin).select_related("product").first()
        if barcode is None and ProductBarcode.objects.filter(gtin=scan.gtin).exists():
            raise ReceivingRefused(f"barcode {scan.gtin} belongs to another merchant's product, not to this PO's merchant")
        return barcode.product if barcode else None
    return Product.objects.filter(merchant_id=merchant_id, sku=scan.code).first()


def _unknown_barcode(receipt: Receipt, scan: Scan, actor) -> StationReply:
    """Captured for a manager to map to a product later; no stock changes."""
    code = scan.gtin or scan.code or scan.raw
    _exception(receipt, ExceptionKind.UNKNOWN_BARCODE, actor, barcode=code, qty=scan.count or receipt.pending_qty or 1,
               add=True, note="captured at receiving")
    return StationReply(False, f"Unknown barcode {code}: captured for a manager to map. Nothing received; set the item aside.",
                        {"code": "unknown_barcode", "barcode": code})


def _command(receipt: Receipt, command: str, actor) -> StationReply:
    if command == "DAMAGED":
        receipt.pending_damaged = True
        receipt.save(update_fields=["pending_damaged"])
        return StationReply(True, "Next item is received as DAMAGED: scan it", {"pending_damaged": True})
    if command in ("CLEAR", "CANCEL"):
        receipt.pending_qty, receipt.pending_damaged = None, False
        receipt.save(update_fields=["pending_qty", "pending_damaged"])
        return StationReply(True, "Cleared: scan the next item")
    if command in ("DONE", "PARTIAL"):
        closed = receipt_close(receipt=receipt, actor=actor, complete=command == "DONE")
        tasks = closed.putaway_tasks.count()
        return StationReply(True, f"Receipt closed: {tasks} putaway task(s) created", {"closed": True, "putaway_tasks": tasks})
    raise ReceivingRefused(f"unknown command {command}. {COMMANDS_HELP}")


@transaction.atomic
def receipt_close(*, receipt: Receipt, actor, complete: bool = True) -> Receipt:
    """Finish receiving: short lines become exceptions (when the PO is complete) and what landed on
    the dock becomes putaway tasks, one per product, dock bin, condition and lot."""
    receipt = lock_receipt(receipt.pk)
    if receipt.status != Receipt.Status.RECEIVING:
        raise Conflict(f"receipt {receipt.pk} is already closed")
    po = receipt.purchase_order = lock_purchase_order(receipt.purchase_order_id)
    if complete:
        for line in po.lines.select_related("product"):
            if line.outstanding:
                _exception(receipt, ExceptionKind.SHORT, actor, product=line.product, qty=line.outstanding,
                           note=f"expected {line.expected_qty}, received {line.total_received}")
        purchase_order_transition(purchase_order=po, to=PurchaseOrder.Status.RECEIVED, actor=actor)
    elif receipt.first_received_at:
        purchase_order_transition(purchase_order=po, to=PurchaseOrder.Status.RECEIVING, actor=actor)
    groups = (
        Movement.objects.filter(reference=f"receipt:{receipt.pk}", kind=MovementKind.RECEIVE)
        .values("product_id", "bin_id", "condition", "lot").annotate(qty=Sum("qty")).order_by("product_id", "lot")
    )
    from inventory.models import BinStock

    for group in groups:
        if group["qty"] <= 0:
            continue
        expiry = (
            BinStock.objects.filter(product_id=group["product_id"], bin_id=group["bin_id"], condition=group["condition"],
                                    lot=group["lot"]).values_list("expiry", flat=True).first()
        )
        PutawayTask.objects.create(
            receipt=receipt, warehouse_id=receipt.warehouse_id, product_id=group["product_id"], from_bin_id=group["bin_id"],
            condition=group["condition"], lot=group["lot"], expiry=expiry, qty=group["qty"],
        )
    closed_at = timezone.now()
    receipt = receipt_transition(
        receipt=receipt, to=Receipt.Status.PUTAWAY if groups else Receipt.Status.STOCKED, actor=actor,
        extra={"closed_at": closed_at, "stocked_at": None if groups else closed_at, "pending_qty": None,
               "pending_damaged": False},
    )
    _closed_event(receipt, po, complete=complete)
    return receipt


def _closed_event(receipt: Receipt, po: PurchaseOrder, *, complete: bool) -> None:
    """receipt.closed: what this receipt brought in (units by SKU and condition, ASN cartons), under its lock."""
    received = (
        Movement.objects.filter(reference=f"receipt:{receipt.pk}", kind=MovementKind.RECEIVE)
        .values("product__sku", "condition").annotate(qty=Sum("qty")).order_by("product__sku", "condition")
    )
    lines = [{"sku": row["product__sku"], "condition": row["condition"], "qty": row["qty"]} for row in received if row["qty"]]
    cartons = (
        AsnCarton.objects.filter(purchase_order=po, received_at__isnull=False, received_at__gte=receipt.opened_at)
        .values("sscc").distinct().count()
    )
    event_record(
        EventKind.RECEIPT_CLOSED, merchant_id=po.merchant_id, warehouse_id=receipt.warehouse_id,
        resource_type="receipt", resource_id=receipt.pk,
        payload={"receipt_id": receipt.pk, "reference": po.number, "purchase_order_id": po.pk, "kind": po.kind,
                 "warehouse": receipt.warehouse.code, "complete": complete, "units": sum(line["qty"] for line in lines),
                 "cartons": cartons, "lines": lines, "closed_at": receipt.closed_at.isoformat() if receipt.closed_at else None},
    )


@transaction.atomic
def unknown_barcode_map(*, exception: ReceivingException, product: Product, actor) -> ReceivingException:
    """A manager says which product an unknown barcode is: the barcode joins the product's GTINs."""
    exception = ReceivingException.objects.select_for_update(of=("self",), no_key=True).select_related("receipt__purchase_order").get(pk=exception.pk)
    if exception.kind != ExceptionKind.UNKNOWN_BARCODE or exception.resolved_at:
        raise Conflict("only an open unknown-barcode exception can be mapped")
    if product.merchant_id != exception.receipt.purchase_order.merchant_id:
        raise ReceivingRefused(f"SKU {product.sku} belongs to another merchant")
    try:
        gtin = gtin_normalize(exception.barcode)
    except InvalidBarcode as exc:
        raise ReceivingRefused(f"{exception.barcode} is not a GTIN, so it cannot be mapped: {exc}") from None
    product_update(product=product, barcodes=[*product.barcodes.values_list("gtin", flat=True), gtin])
    return exception_resolve(exception=exception, actor=actor, resolution=f"mapped to {product.sku}")


@transaction.atomic
def exception_resolve(*, exception: ReceivingException, actor, resolution: str) -> ReceivingException:
    if not resolution.strip():
        raise ReceivingRefused("say how the exception was resolved")
    exception = ReceivingException.objects.select_for_update(of=("self",), no_key=True).get(pk=exception.pk)
    if exception.resolved_at:
        raise Conflict("this exception is already resolved")
    exception.resolved_at, exception.resolved_by, exception.resolution = timezone.now(), actor, resolution.strip()[:255]
    exception.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return exception


def _exception(receipt, kind, actor, *, product=None, barcode="", qty=0, note="", add=False, replace=False):
    if add or replace:
        existing = ReceivingException.objects.filter(
            receipt=receipt, kind=kind, product=product, barcode=barcode, resolved_at__isnull=True
        ).first()
        if existing:
            existing.qty = qty if replace else existing.qty + qty
            existing.note = note
            existing.save(update_fields=["qty", "note"])
            return existing
    return ReceivingException.objects.create(
        receipt=receipt, kind=kind, product=product, barcode=barcode, qty=qty, note=note,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def _started(receipt: Receipt, po: PurchaseOrder) -> None:
    if receipt.first_received_at is None:
        receipt.first_received_at = timezone.now()
    if po.status == PurchaseOrder.Status.OPEN:
        purchase_order_transition(purchase_order=po, to=PurchaseOrder.Status.RECEIVING, actor=receipt.received_by)


def _default_dock(po: PurchaseOrder) -> Bin:
    dock = Bin.objects.filter(warehouse_id=po.warehouse_id, kind=Bin.Kind.DOCK, is_active=True).order_by("code").first()
    if dock is None:
        raise NotFound(f"warehouse {po.warehouse.code} has no active dock bin to receive into")
    return dock


def _check_dock(dock: Bin, po: PurchaseOrder) -> None:
    if dock.warehouse_id != po.warehouse_id:
        raise ReceivingRefused(f"bin {dock.code} is in another warehouse than {po.number}")
    if dock.kind != Bin.Kind.DOCK:
        raise ReceivingRefused(f"bin {dock.code} is not a dock bin: receive into a dock, then put away")
    if not dock.is_active:
        raise ReceivingRefused(f"dock {dock.code} is inactive")


@transaction.atomic
def receiving_station_scan(*, receipt_id: int | None, raw: str, actor) -> StationReply:
    """The station's one input: with no receipt open, the scan must name a PO/ASN; then items."""
    receipt = Receipt.objects.filter(pk=receipt_id, status=Receipt.Status.RECEIVING).first() if receipt_id else None
    if receipt is not None:
        reply = receiving_scan(receipt=receipt, raw=raw, actor=actor)
        reply.data.setdefault("receipt_id", None if reply.data.get("closed") else receipt.pk)
        return reply
    scan = parse_scan(raw)
    if scan.kind != ScanKind.PO:
        raise ReceivingRefused("scan the PO or ASN label first (PO:number)")
    matches = list(PurchaseOrder.objects.filter(number=scan.code).select_related("merchant")[:2])
    if not matches:
        raise ReceivingRefused(f"no purchase order or ASN {scan.code}")
    if len(matches) > 1:
        raise ReceivingRefused(f"{scan.code} is a PO number of several merchants: choose it from the list")
    receipt = receipt_open(purchase_order=matches[0], actor=actor)
    return StationReply(True, f"Receiving {matches[0].number} into {receipt.dock_bin.code}: scan the items",
                        {"receipt_id": receipt.pk})
