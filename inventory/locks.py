"""Every row lock the IMS takes, in one place.

Order, always: the StockLevel of (product, warehouse) first, then BinStock rows by primary key,
then Reservation rows. Every stock service touches exactly one (product, warehouse), so calls on
the same product queue on its StockLevel row and calls on different products never meet.
"""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.models import BinStock, Reservation, StockFlag, StockLevel


def lock_stock_level(*, product_id: int, warehouse_id: int) -> StockLevel:
    rows = StockLevel.objects.select_for_update(of=("self",)).filter(product_id=product_id, warehouse_id=warehouse_id)
    level = rows.first()
    if level is None:  # first stock of this product here: create the row (a racing creator is fine)
        StockLevel.objects.bulk_create([StockLevel(product_id=product_id, warehouse_id=warehouse_id)], ignore_conflicts=True)
        level = rows.get()
    return level


def lock_bin_stock(rows: QuerySet[BinStock]) -> list[BinStock]:
    return list(rows.order_by("pk").select_for_update(of=("self",)))


def lock_or_create_bin_stock(*, product_id: int, bin, condition: str, lot: str, expiry=None) -> BinStock:
    flagged = StockFlag.objects.filter(product_id=product_id, bin=bin, cleared_at__isnull=True).exists()
    BinStock.objects.bulk_create(
        [
            BinStock(
                product_id=product_id, bin=bin, warehouse_id=bin.warehouse_id, condition=condition, lot=lot,
                expiry=expiry, is_flagged=flagged,
            )
        ],
        ignore_conflicts=True,
    )
    return BinStock.objects.select_for_update(of=("self",)).get(product_id=product_id, bin=bin, condition=condition, lot=lot)


def lock_reservation(reservation_id: int) -> Reservation:
    return Reservation.objects.select_for_update(of=("self",)).get(pk=reservation_id)


def lock_stock_levels(*, product_ids, warehouse_id: int) -> list[StockLevel]:
    """Several products' levels in one warehouse, by primary key: for a use case that moves several
    products, taken before its first stock operation (each operation then re-locks its own row)."""
    return list(
        StockLevel.objects.select_for_update(of=("self",))  # the same lock mode as lock_stock_level
        .filter(product_id__in=list(product_ids), warehouse_id=warehouse_id).order_by("pk")
    )
