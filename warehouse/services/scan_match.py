"""Whether a product scan (GTIN, GS1-128 or typed SKU) names a given product: one rule for every station."""

from __future__ import annotations

from warehouse.scanning import Scan


def scan_names_product(scan: Scan, product) -> bool:
    if scan.gtin:
        return product.barcodes.filter(gtin=scan.gtin).exists()
    return scan.code == product.sku
