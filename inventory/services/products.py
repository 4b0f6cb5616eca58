from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from core.csv_import import ImportReport, RowInvalid, read_csv_rows, run_import
from inventory.exceptions import InvalidProduct
from inventory.gtin import InvalidBarcode, gtin_normalize
from inventory.models import Merchant, Product, ProductBarcode

EDITABLE_FIELDS = (
    "name",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "unit_cost",
    "reorder_point",
    "velocity_class",
    "hs_code",
    "country_of_origin",
    "tags",
    "image_url",
    "is_active",
)
PRODUCT_CSV_COLUMNS = ("merchant", "sku", "name")


def normalize_barcodes(codes: Iterable[str]) -> list[str]:
    normalized = []
    for code in codes:
        try:
            gtin = gtin_normalize(code)
        except InvalidBarcode as exc:
            raise InvalidProduct(str(exc), barcode=code) from exc
        if gtin not in normalized:
            normalized.append(gtin)
    return normalized


@transaction.atomic
def product_create(*, merchant: Merchant, sku: str, name: str, barcodes: Iterable[str] = (), **attrs) -> Product:
    sku = (sku or "").strip()
    if not sku:
        raise InvalidProduct("SKU is required")
    if not (name or "").strip():
        raise InvalidProduct("name is required", sku=sku)
    unknown = set(attrs) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidProduct(f"unknown product field(s): {', '.join(sorted(unknown))}")
    gtins = normalize_barcodes(barcodes)
    if Product.objects.filter(merchant=merchant, sku=sku).exists():
        raise InvalidProduct(f"SKU {sku} already exists for {merchant.code}", sku=sku)
    product = Product(merchant=merchant, sku=sku, name=name.strip(), **attrs)
    product.full_clean()
    product.save()
    _set_barcodes(product, gtins)
    return product


@transaction.atomic
def product_update(*, product: Product, barcodes: Iterable[str] | None = None, **attrs) -> Product:
    unknown = set(attrs) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidProduct(f"unknown product field(s): {', '.join(sorted(unknown))}")
    for field, value in attrs.items():
        setattr(product, field, value)
    product.full_clean()
    product.save()
    if barcodes is not None:
        _set_barcodes(product, normalize_barcodes(barcodes))
    return product


def _set_barcodes(product: Product, gtins: list[str]) -> None:
    taken = (
        ProductBarcode.objects.filter(merchant_id=product.merchant_id, gtin__in=gtins)
        .exclude(product=product)
        .select_related("product")
        .first()
    )
    if taken:
        raise InvalidProduct(f"barcode {taken.gtin} already belongs to SKU {taken.product.sku}", barcode=taken.gtin)
    product.barcodes.exclude(gtin__in=gtins).delete()
    existing = set(product.barcodes.values_list("gtin", flat=True))
    try:
        ProductBarcode.objects.bulk_create(
            [ProductBarcode(product=product, merchant_id=product.merchant_id, gtin=g) for g in gtins if g not in existing]
        )
    except IntegrityError as exc:
        raise InvalidProduct("barcode already in use", sku=product.sku) from exc


def products_import(*, source) -> ImportReport:
    """Create or update products from CSV (columns: merchant, sku, name, barcodes, weight_g, ...)."""
    merchants: dict[str, Merchant] = {}

    def handle(row: dict) -> str:
        code = row.get("merchant", "")
        if code not in merchants:
            merchant = Merchant.objects.filter(code=code).first()
            if merchant is None:
                raise RowInvalid(f"unknown merchant {code!r}")
            merchants[code] = merchant
        attrs = _product_attrs(row)
        barcodes = [b for b in row.get("barcodes", "").replace("|", " ").split() if b]
        existing = Product.objects.filter(merchant=merchants[code], sku=row["sku"]).first()
        if existing:
            product_update(product=existing, barcodes=barcodes, name=row["name"] or existing.name, **attrs)
            return "updated"
        product_create(merchant=merchants[code], sku=row["sku"], name=row["name"], barcodes=barcodes, **attrs)
        return "created"

    return run_import(read_csv_rows(source, PRODUCT_CSV_COLUMNS), handle)


def _product_attrs(row: dict) -> dict:
    attrs: dict = {}
    for field in ("weight_g", "length_mm", "width_mm", "height_mm", "reorder_point"):
        if row.get(field):
            try:
                attrs[field] = int(row[field])
            except ValueError:
                raise RowInvalid(f"{field} must be a whole number, got {row[field]!r}") from None
            if attrs[field] < 0:
                raise RowInvalid(f"{field} must not be negative")
    if row.get("unit_cost"):
        try:
            attrs["unit_cost"] = Decimal(row["unit_cost"])
        except InvalidOperation:
            raise RowInvalid(f"unit_cost must be a number, got {row['unit_cost']!r}") from None
    for field in ("hs_code", "country_of_origin", "tags", "velocity_class"):
        if row.get(field):
            attrs[field] = row[field]
    return attrs
