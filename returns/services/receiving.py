"""Return receiving: a parcel is scanned on the bench and matched to its RMA (our RMA label, or the
tracking number of a label we bought); one that matches nothing is kept in the parcel bin and queued.
Units taken out of a matched parcel enter stock in the intake bin as returned-pending."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.actors import actor_label
from inventory.models import Condition, MovementKind, Product, ProductBarcode
from inventory.services.stock import stock_receive
from layout.models import Warehouse
from returns.exceptions import ReturnRefused
from returns.locks import lock_parcel, lock_rma
from returns.models import (
    ParcelStatus,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    ReturnParcel,
    ReturnUnit,
    RmaStatus,
    UnitStatus,
)
from returns.services.events import return_graded_event, return_received_event
from returns.services.setup import returns_bins
from returns.state import rma_transition
from shipping.tracking_numbers import normalize
from warehouse.scanning import Scan, ScanError, ScanKind, parse_parcel_scan, parse_scan

RECEIVABLE = (RmaStatus.AUTHORIZED, RmaStatus.IN_TRANSIT, RmaStatus.RECEIVED)


def rma_for_scan(scan: Scan) -> ReturnAuthorization | None:
    if scan.kind == ScanKind.RMA:
        return ReturnAuthorization.objects.filter(number=scan.code).first()
    if scan.kind == ScanKind.TRACKING:
        return ReturnAuthorization.objects.filter(tracking_number=normalize(scan.code)).order_by("-pk").first()
    return None


def parcel_receive(*, warehouse: Warehouse, raw: str, actor, note: str = "") -> ReturnParcel:
    """Whatever is on the parcel. Matched: the RMA is received and the parcel opens for grading.
    Anything else (a drop-off label, a third-party returns label, an RMA already closed): kept, unmatched."""
    try:
        scan = parse_parcel_scan(raw)
    except ScanError as exc:
        raise ReturnRefused(str(exc)) from None
    if scan.kind in (ScanKind.GTIN, ScanKind.GS1, ScanKind.SSCC, ScanKind.QTY, ScanKind.BIN, ScanKind.TOTE,
                     ScanKind.COMMAND, ScanKind.PO):
        raise ReturnRefused("that is not a parcel label: scan the RMA code or the carrier label on the parcel")
    bins = returns_bins(warehouse)
    rma = rma_for_scan(scan)
    with transaction.atomic():
        if rma is not None:
            rma = lock_rma(rma.pk)
        if rma is not None and rma.status in RECEIVABLE and rma.warehouse_id == warehouse.pk:
            parcel = ReturnParcel.objects.create(
                warehouse=warehouse, rma=rma, status=ParcelStatus.OPEN, scanned=scan.raw.strip()[:100],
                carrier=scan.carrier or rma.carrier, tracking_number=(scan.code if scan.kind == ScanKind.TRACKING else ""),
                holding_bin=bins.intake, received_by=actor_label(actor), note=note[:500],
            )
            rma_transition(rma=rma, to=RmaStatus.RECEIVED, actor=actor, reason=f"parcel {parcel.pk} on the bench")
            return_received_event(rma=rma, parcel=parcel)
            return parcel
        why = ("no return has this label" if rma is None else
               f"return {rma.number} is {rma.get_status_display().lower()}" if rma.status not in RECEIVABLE else
               f"return {rma.number} belongs to warehouse {rma.warehouse.code}")
        return ReturnParcel.objects.create(
            warehouse=warehouse, rma=None, status=ParcelStatus.UNMATCHED, scanned=scan.raw.strip()[:100],
            carrier=scan.carrier or "", tracking_number=(scan.code if scan.kind == ScanKind.TRACKING else ""),
            holding_bin=bins.parcels, received_by=actor_label(actor), note=(note or why)[:500],
        )


@transaction.atomic
def parcel_match(*, parcel: ReturnParcel, rma: ReturnAuthorization, actor) -> ReturnParcel:
    """An unexpected parcel found its RMA: it opens for grading like any matched parcel."""
    rma = lock_rma(rma.pk)
    parcel = lock_parcel(parcel.pk)
    if parcel.status != ParcelStatus.UNMATCHED:
        raise ReturnRefused(f"parcel {parcel.pk} is already matched")
    if rma.status not in RECEIVABLE:
        raise ReturnRefused(f"return {rma.number} is {rma.get_status_display().lower()}: it cannot take a parcel")
    if rma.warehouse_id != parcel.warehouse_id:
        raise ReturnRefused(f"return {rma.number} is expected in another warehouse")
    parcel.rma, parcel.status = rma, ParcelStatus.OPEN
    parcel.holding_bin = returns_bins(rma.warehouse).intake
    parcel.matched_by, parcel.matched_at = actor_label(actor), timezone.now()
    parcel.save(update_fields=["rma", "status", "holding_bin", "matched_by", "matched_at"])
    rma_transition(rma=rma, to=RmaStatus.RECEIVED, actor=actor, reason=f"unexpected parcel {parcel.pk} matched")
    return_received_event(rma=rma, parcel=parcel)
    return parcel


def product_for_scan(merchant_id: int, raw: str) -> tuple[Product | None, str]:
    """(product, the barcode or SKU text); no product for a barcode nobody has (a wrong item the bench records).
    Another merchant's barcode or SKU is refused as unknown for this return: that item is not this merchant's to
    take in, grade or dispose of, and the refusal names no other merchant."""
    try:
        scan = parse_scan(raw)
    except ScanError as exc:
        raise ReturnRefused(str(exc)) from None
    if not scan.is_product:
        raise ReturnRefused("scan the item's barcode")
    if scan.gtin:
        barcodes = ProductBarcode.objects.filter(gtin=scan.gtin)
        barcode = barcodes.filter(merchant_id=merchant_id).select_related("product").first()
        if barcode is None and barcodes.exists():
            raise ReturnRefused(f"{scan.gtin} is unknown for this return: set the item aside for a manager")
        return (barcode.product if barcode else None), scan.gtin
    products = Product.objects.filter(sku=scan.code)
    product = products.filter(merchant_id=merchant_id).first()
    if product is None and products.exists():
        raise ReturnRefused(f"{(scan.code or '')[:64]} is unknown for this return: set the item aside for a manager")
    return product, scan.code


@transaction.atomic
def unit_receive(*, parcel: ReturnParcel, raw: str, actor) -> ReturnUnit:
    """One unit out of the parcel: matched to an RMA line with units still expected, or a wrong item."""
    rma = lock_rma(parcel.rma_id) if parcel.rma_id else None
    parcel = lock_parcel(parcel.pk)
    if rma is None or parcel.status != ParcelStatus.OPEN:
        raise ReturnRefused(f"parcel {parcel.pk} is not open for grading")
    product, code = product_for_scan(rma.merchant_id, raw)
    lines = list(ReturnLine.objects.select_for_update(of=("self",), no_key=True).filter(rma=rma).order_by("pk"))
    line = next((ln for ln in lines if product and ln.product_id == product.pk and ln.received_qty < ln.qty), None)
    bins = returns_bins(rma.warehouse)
    if line is not None:
        ReturnLine.objects.filter(pk=line.pk).update(received_qty=line.received_qty + 1)
    unit = ReturnUnit.objects.create(
        parcel=parcel, rma=rma, line=line, product=product, barcode=code[:100], wrong_item=line is None,
        intake_bin=bins.intake if product else None, received_by=actor_label(actor),
    )
    if product is not None:
        stock_receive(product=product, bin=bins.intake, qty=1, actor=actor, condition=Condition.RETURNED_PENDING,
                      kind=MovementKind.RETURN, reference=f"rma:{rma.number}", merchant=rma.merchant,
                      reason="customer return" if line else "customer return, wrong item")
    if line is None:
        what = product.sku if product else f"unknown barcode {code}"
        ReturnEvent.objects.create(rma=rma, kind="wrong_item", actor_label=actor_label(actor),
                                   message=f"Wrong item in parcel {parcel.pk}: {what}"[:500])
    return unit


@transaction.atomic
def parcel_finish(*, parcel: ReturnParcel, actor) -> ReturnParcel:
    """The parcel is empty. The RMA is graded once no unit waits and no open parcel remains."""
    rma = lock_rma(parcel.rma_id) if parcel.rma_id else None
    parcel = lock_parcel(parcel.pk)
    if parcel.status != ParcelStatus.OPEN or rma is None:
        raise ReturnRefused(f"parcel {parcel.pk} is not open")
    if ReturnUnit.objects.filter(parcel=parcel, status=UnitStatus.PENDING).exists():
        raise ReturnRefused("grade every unit taken out of the parcel first")
    if not ReturnUnit.objects.filter(parcel=parcel).exists():
        raise ReturnRefused("the parcel is empty: scan the items in it first")
    parcel.status = ParcelStatus.DONE
    parcel.save(update_fields=["status"])
    maybe_graded(rma, actor, force=True)
    return parcel


def maybe_graded(rma: ReturnAuthorization, actor, *, force: bool = False) -> None:
    """Caller holds the RMA lock. All lines in and graded (or the last parcel finished): graded."""
    if rma.status != RmaStatus.RECEIVED:
        return
    if ReturnUnit.objects.filter(rma=rma, status=UnitStatus.PENDING).exists():
        return
    complete = not ReturnLine.objects.filter(rma=rma).exclude(graded_qty=F("qty")).exists()
    if complete or (force and not ReturnParcel.objects.filter(rma=rma, status=ParcelStatus.OPEN).exists()):
        if complete:  # nothing more can come out of an open parcel of this return
            ReturnParcel.objects.filter(rma=rma, status=ParcelStatus.OPEN).update(status=ParcelStatus.DONE)
        rma_transition(rma=rma, to=RmaStatus.GRADED, actor=actor,
                       reason="every unit graded" if complete else "parcel finished, some units never came")
        return_graded_event(rma=rma)
