"""Whether a product scan (GTIN, GS1-128 or typed SKU) names a given product: one rule for every station."""

from __future__ import annotations

from inventory.models import ProductPackaging
from warehouse.scanning import Scan


def scan_names_product(scan: Scan, product) -> bool:
    if scan.gtin:
        return product.barcodes.filter(gtin=scan.gtin).exists()
    return scan.code == product.sku


def scan_units(scan: Scan, product) -> int:
    """How many eaches of `product` one scan stands for: 1 for the each (its GTIN or SKU), the pack's eaches
    for the GTIN-14 of its inner pack or case, 0 when the scan names something else."""
    if scan_names_product(scan, product):
        return 1
    if scan.gtin:
        return ProductPackaging.objects.filter(product=product, gtin=scan.gtin).values_list("units", flat=True).first() or 0
    return 0


def scan_packaging(scan: Scan, merchant_id: int) -> ProductPackaging | None:
    """The inner pack or case of the merchant's product a scanned GTIN-14 names, if any."""
    if not scan.gtin:
        return None
    return ProductPackaging.objects.filter(merchant_id=merchant_id, gtin=scan.gtin).select_related("product").first()
