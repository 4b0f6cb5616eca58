"""Purchase orders and ASNs: created on a page, over the API or from CSV; cancelled while nothing is received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.actors import actor_label
from core.csv_import import ImportRejected, ImportReport, RowError, RowInvalid, read_csv_rows
from core.errors import Conflict, DomainError
from core.reasons import clean_reason
from inventory.models import Merchant, Product
from inventory.tenancy import actor_in_scope
from layout.models import Warehouse
from warehouse.inbound.services.lifecycle import purchase_order_transition
from warehouse.locks import lock_purchase_order
from warehouse.models import AsnCarton, PurchaseOrder, PurchaseOrderLine
from warehouse.scanning import ScanError, parse_scan

PO_CSV_COLUMNS = ("merchant", "warehouse", "number", "sku", "qty")


class InvalidPurchaseOrder(DomainError):
    code = "invalid_purchase_order"


@dataclass(frozen=True)
class ExpectedLine:
    sku: str
    qty: int
    sscc: str = ""
    lot: str = ""
    expiry: dt.date | None = None


@transaction.atomic
def purchase_order_create(
    *, merchant: Merchant, warehouse: Warehouse, number: str, lines: Iterable[ExpectedLine], actor=None,
    kind: str = PurchaseOrder.Kind.PURCHASE_ORDER, supplier: str = "", expected_date: dt.date | None = None,
    over_receipt_tolerance_pct: int = 10, allow_unexpected: bool = True,
) -> PurchaseOrder:
    number = (number or "").strip().upper()
    if not number:
        raise InvalidPurchaseOrder("a purchase order needs a number")
    _fits(PurchaseOrder, "number", number)
    _fits(PurchaseOrder, "supplier", supplier or "")
    if kind not in PurchaseOrder.Kind.values:
        raise InvalidPurchaseOrder(f"unknown kind {kind!r} (one of {', '.join(PurchaseOrder.Kind.values)})")
    if not 0 <= over_receipt_tolerance_pct <= 100:
        raise InvalidPurchaseOrder("over-receipt tolerance must be between 0 and 100 percent")
    if PurchaseOrder.objects.filter(merchant=merchant, number=number).exists():
        raise Conflict(f"{merchant.code} already has a purchase order {number}", number=number)
    lines = list(lines)
    if not lines:
        raise InvalidPurchaseOrder(f"{number} has no lines")
    po = PurchaseOrder.objects.create(
        merchant=merchant, warehouse=warehouse, number=number, kind=kind, supplier=supplier,
        expected_date=expected_date, over_receipt_tolerance_pct=over_receipt_tolerance_pct,
        allow_unexpected=allow_unexpected, created_by=actor if getattr(actor, "pk", None) else None,
    )
    _add_lines(po, lines)
    return po


def _fits(model, field: str, value: str) -> None:
    limit = getattr(model._meta.get_field(field), "max_length", None)
    if limit and len(value) > limit:
        raise InvalidPurchaseOrder(f"{field.replace('_', ' ')} {value[:20]!r}... is {len(value)} characters long;"
                                   f" at most {limit} characters")


def _add_lines(po: PurchaseOrder, lines: list[ExpectedLine]) -> None:
    skus = {line.sku for line in lines}
    products = {p.sku: p for p in Product.objects.filter(merchant_id=po.merchant_id, sku__in=skus)}
    unknown = sorted(skus - set(products))
    if unknown:
        raise InvalidPurchaseOrder(f"unknown SKU(s) for {po.merchant.code}: {', '.join(unknown)}", skus=unknown)
    expected: dict[str, int] = {}
    for line in lines:
        if not isinstance(line.qty, int) or line.qty <= 0:
            raise InvalidPurchaseOrder(f"{line.sku}: expected quantity must be a positive whole number, got {line.qty!r}")
        expected[line.sku] = expected.get(line.sku, 0) + line.qty
        if line.sscc:
            try:
                sscc = parse_scan(line.sscc if not line.sscc.isdigit() else line.sscc.zfill(18)).sscc
            except ScanError as exc:
                raise InvalidPurchaseOrder(str(exc)) from None
            if not sscc:
                raise InvalidPurchaseOrder(f"{line.sscc!r} is not an SSCC")
            _fits(AsnCarton, "lot", line.lot or "")
            AsnCarton.objects.create(
                purchase_order=po, sscc=sscc, product=products[line.sku], qty=line.qty, lot=line.lot, expiry=line.expiry
            )
    existing = {pl.product.sku: pl for pl in po.lines.select_related("product")}
    for sku, qty in expected.items():
        if sku in existing:
            existing[sku].expected_qty += qty
            existing[sku].save(update_fields=["expected_qty"])
        else:
            PurchaseOrderLine.objects.create(purchase_order=po, product=products[sku], expected_qty=qty)


@transaction.atomic
def purchase_order_cancel(*, purchase_order: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    """Nothing more is expected against it. The reason, who and when are kept on the document."""
    reason = clean_reason(reason)  # at most REASON_MAX_LENGTH, the cancel_reason column
    po = lock_purchase_order(purchase_order.pk)
    if po.status != PurchaseOrder.Status.OPEN or po.receipts.exists():
        raise Conflict(f"{po.number} is {po.get_status_display().lower()}: receiving has started, it cannot be cancelled")
    return purchase_order_transition(purchase_order=po, to=PurchaseOrder.Status.CANCELLED, actor=actor, extra={
        "cancelled_at": timezone.now(), "cancelled_by": actor_label(actor), "cancel_reason": reason})


def purchase_orders_import(*, source, merchant: Merchant | None = None, actor=None) -> ImportReport:
    """One row per expected line, the rows of one document together.

    Columns: merchant, warehouse, number, sku, qty; optional kind (po/asn), supplier, expected_date
    (YYYY-MM-DD), tolerance_pct, sscc, lot, expiry. `merchant` limits a merchant's own upload to itself.
    Streams: only the current document's lines are held; all-or-nothing like every import.
    """
    errors: list[RowError] = []
    created = 0
    document: dict | None = None  # the document being read: key, header, lines, first line, whether a row was bad

    def finish() -> None:
        """Create the document just read; what refuses it is reported on its first line, by its number."""
        nonlocal created
        if document is None or document["bad"]:
            return
        try:
            with transaction.atomic():
                purchase_order_create(lines=document["lines"], actor=actor, **document["header"])
        except DomainError as exc:
            errors.append(RowError(document["line"], f"{document['header']['number']}: {exc}"))
        else:
            created += 1

    with transaction.atomic():
        for line, row in read_csv_rows(source, PO_CSV_COLUMNS):
            try:
                header = _header(row, merchant, actor)
            except RowInvalid as exc:
                errors.append(RowError(line, str(exc)))
                continue
            key = (header["merchant"].pk, header["number"])
            if document is None or key != document["key"]:
                finish()
                exists = PurchaseOrder.objects.filter(merchant=header["merchant"], number=header["number"]).exists()
                document = {"key": key, "header": header, "lines": [], "line": line, "bad": exists, "exists": exists}
                if exists:
                    errors.append(RowError(line, f"{header['merchant'].code} already has a purchase order {header['number']}"))
            if document["exists"]:
                continue  # refused as a whole on its first line: its other rows add nothing to the report
            try:
                expected = _line(row)
                if not Product.objects.filter(merchant=header["merchant"], sku=expected.sku).exists():
                    raise RowInvalid(f"unknown SKU {expected.sku!r} for {header['merchant'].code}")
            except RowInvalid as exc:
                errors.append(RowError(line, str(exc)))
                document["bad"] = True
                continue
            document["lines"].append(expected)
        finish()
        if errors:
            raise ImportRejected(errors)
    return ImportReport(created=created)


def _header(row: dict, merchant: Merchant | None, actor) -> dict:
    code = row["merchant"]
    if merchant is not None and code != merchant.code:
        raise RowInvalid(f"merchant {code!r}: you may only import your own purchase orders")
    found = Merchant.objects.filter(code=code).first()
    if found is None:
        raise RowInvalid(f"unknown merchant {code!r}")
    warehouse = Warehouse.objects.filter(code=row["warehouse"]).first()
    if warehouse is None:
        raise RowInvalid(f"unknown warehouse {row['warehouse']!r}")
    # A staff user limited to some merchants and warehouses imports only for those (a system actor is never limited).
    if not actor_in_scope(actor, merchant_id=found.pk):
        raise RowInvalid(f"merchant {code!r} is outside your scope")
    if not actor_in_scope(actor, warehouse_id=warehouse.pk):
        raise RowInvalid(f"warehouse {row['warehouse']!r} is outside your scope")
    if not row["number"]:
        raise RowInvalid("number is required")
    return {
        "merchant": found, "warehouse": warehouse, "number": row["number"].upper(),
        "kind": row.get("kind") or PurchaseOrder.Kind.PURCHASE_ORDER, "supplier": row.get("supplier", ""),
        "expected_date": _date(row.get("expected_date", ""), "expected_date"),
        "over_receipt_tolerance_pct": _int(row.get("tolerance_pct") or "10", "tolerance_pct"),
    }


def _line(row: dict) -> ExpectedLine:
    if not row["sku"]:
        raise RowInvalid("sku is required")
    qty = _int(row["qty"], "qty")
    if qty == 0:
        raise RowInvalid("qty must be at least 1, got 0")
    return ExpectedLine(
        sku=row["sku"], qty=qty, sscc=row.get("sscc", ""), lot=row.get("lot", ""),
        expiry=_date(row.get("expiry", ""), "expiry"),
    )


def _int(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise RowInvalid(f"{name} must be a whole number, got {value!r}") from None
    if number < 0:
        raise RowInvalid(f"{name} must not be negative, got {number}")
    return number


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowInvalid(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None
