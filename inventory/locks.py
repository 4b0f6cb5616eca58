"""Every row lock the IMS takes, in one place.

Order, always: StockLevel rows (by primary key), then BinStock rows by primary key, then Reservation
rows, then InTransitStock rows. A use case that touches one (product, warehouse) locks its StockLevel first; one that touches
several locks them all at once through `lock_stock_levels`, sorted, before it changes anything.

Every lock is FOR NO KEY UPDATE on the row itself (`of=("self",)`, `no_key=True`): it still queues
writers of the same row, but lets foreign-key checks (FOR KEY SHARE) of rows that reference it pass,
so a ledger insert never waits behind a balance update. Reference rows (Merchant, Warehouse, Product,
Bin) are never locked: a plain FOR UPDATE on them stalls every insert that references them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from inventory.models import BinStock, InTransitStock, Reservation, StockFlag, StockLevel


def _for_update(queryset: QuerySet) -> QuerySet:
    return queryset.select_for_update(of=("self",), no_key=True)


def lock_stock_level(*, product_id: int, warehouse_id: int) -> StockLevel:
    rows = _for_update(StockLevel.objects.filter(product_id=product_id, warehouse_id=warehouse_id))
    level = rows.first()
    if level is None:  # first stock of this product here: create the row (a racing creator is fine)
        StockLevel.objects.bulk_create([StockLevel(product_id=product_id, warehouse_id=warehouse_id)], ignore_conflicts=True)
        level = rows.get()
    return level


def lock_stock_levels(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the StockLevel of every (product_id, warehouse_id) in `keys` in one statement, by primary key,
    creating the missing ones first; a use case calls this before it changes any of them."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    StockLevel.objects.bulk_create(
        [StockLevel(product_id=product_id, warehouse_id=warehouse_id) for product_id, warehouse_id in wanted],
        ignore_conflicts=True,
    )
    ids = {
        (p, w): pk for pk, p, w in StockLevel.objects.filter(
            product_id__in={p for p, _ in wanted}, warehouse_id__in={w for _, w in wanted},
        ).values_list("pk", "product_id", "warehouse_id")
    }
    pks = sorted(ids[key] for key in wanted)
    levels = {(lv.product_id, lv.warehouse_id): lv for lv in _for_update(StockLevel.objects.filter(pk__in=pks).order_by("pk"))}
    return {key: levels[key] for key in wanted}


def lock_bin_stock(rows: QuerySet[BinStock]) -> list[BinStock]:
    return list(_for_update(rows.order_by("pk")))


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
    return _for_update(BinStock.objects.filter(product_id=product_id, bin=bin, condition=condition, lot=lot)).get()


def lock_reservation(reservation_id: int) -> Reservation:
    return _for_update(Reservation.objects.filter(pk=reservation_id)).get()


def lock_line_reservation(*, order_line_id: int, warehouse_id: int) -> Reservation:
    return _for_update(Reservation.objects.filter(order_line_id=order_line_id, warehouse_id=warehouse_id)).get()


def lock_kit_work_order(work_order_id: int):
    """The work order is the document: locked before any level, bin row or reservation it touches."""
    from inventory.models import KitWorkOrder

    return _for_update(KitWorkOrder.objects.filter(pk=work_order_id)).select_related("kit", "warehouse", "merchant").get()


def lock_or_create_in_transit(*, product_id: int, from_warehouse_id: int, to_warehouse_id: int) -> InTransitStock:
    """Taken last, after the level, bin and reservation rows of the use case."""
    InTransitStock.objects.bulk_create(
        [InTransitStock(product_id=product_id, from_warehouse_id=from_warehouse_id, to_warehouse_id=to_warehouse_id)],
        ignore_conflicts=True,
    )
    return _for_update(InTransitStock.objects.filter(
        product_id=product_id, from_warehouse_id=from_warehouse_id, to_warehouse_id=to_warehouse_id,
    )).get()


# A transaction-scoped advisory lock per merchant's bundle catalogue, in a namespace of its own (the first key), so
# it can never collide with another advisory lock of the house (the putaway bin lock is 7301).
BUNDLE_CATALOGUE_NAMESPACE = 7302


def lock_bundle_catalogue(merchant_id: int) -> None:
    """One bundle-component edit at a time per merchant. "Bundles do not nest" is a rule over rows that may not
    exist yet (a product becoming a bundle while another makes it a component), so no row lock can hold it, and a
    FOR UPDATE on the Product or Merchant row would stall every insert that references them. Bundle and
    component are always of one merchant, so this lock covers both; taken first, before any row lock, and
    released at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BUNDLE_CATALOGUE_NAMESPACE, merchant_id])
