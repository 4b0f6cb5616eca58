"""Units of measure: a product's packaging levels above the each (inner pack, case) with their GTIN-14s."""

from __future__ import annotations

from django.db import transaction

from core.errors import Conflict, DomainError
from inventory.gtin import InvalidBarcode, gtin_normalize, gtin_packaging
from inventory.models import PackagingLevel, Product, ProductBarcode, ProductPackaging

INDICATOR = {PackagingLevel.INNER: 1, PackagingLevel.CASE: 2}


class PackagingRefused(DomainError):
    code = "packaging_refused"


@transaction.atomic
def product_packaging_set(*, product: Product, level: str, units: int, gtin: str = "", actor=None) -> ProductPackaging:
    """Declare (or change) the inner pack or case of `product`: how many eaches it holds and its GTIN-14.
    Without a GTIN, one is derived from the product's each GTIN with the level's indicator digit."""
    if level not in PackagingLevel.values:
        raise PackagingRefused(f"unknown packaging level {level!r} (one of {', '.join(PackagingLevel.values)})")
    if not isinstance(units, int) or isinstance(units, bool) or not 1 < units <= 100_000:
        raise PackagingRefused(f"a pack holds 2 to 100000 eaches, not {units!r}")
    try:
        if gtin:
            code = gtin_normalize(gtin)
        else:
            each = product.barcodes.order_by("pk").values_list("gtin", flat=True).first()
            if each is None:
                raise PackagingRefused(f"{product.sku} has no GTIN to derive a {level} GTIN from: give one")
            code = gtin_packaging(each, INDICATOR[PackagingLevel(level)])
    except InvalidBarcode as exc:
        raise PackagingRefused(str(exc)) from None
    if ProductBarcode.objects.filter(merchant_id=product.merchant_id, gtin=code).exists():
        raise Conflict(f"GTIN {code} is an each barcode of this merchant; a pack needs its own GTIN")
    taken = ProductPackaging.objects.filter(merchant_id=product.merchant_id, gtin=code).exclude(product=product, level=level).first()
    if taken is not None:
        raise Conflict(f"GTIN {code} is already the {taken.get_level_display().lower()} of product {taken.product_id}")
    packaging, _ = ProductPackaging.objects.update_or_create(
        product=product, level=level, defaults={"merchant_id": product.merchant_id, "gtin": code, "units": units})
    return packaging
