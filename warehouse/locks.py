"""Every row lock the WMS takes for inbound and inventory-control work, in one place.

The house order (docs/ARCHITECTURE.md, "Cross-app workflows"): Order -> FulfillmentOrder -> the WMS's
documents -> their lines -> StockLevel (by pk) -> BinStock (by pk) -> Reservation. Among the WMS's own
documents: PurchaseOrder -> Receipt -> PurchaseOrderLine / AsnCarton -> PutawayTask, and
CountTask -> Discrepancy. Stock rows are locked by `inventory.services` only, after these.

Every helper locks the row itself (`of=("self",)`) with FOR NO KEY UPDATE (`no_key=True`), so inserts
that reference the row (steps, exceptions, ledger rows) are never held up by it. Related rows that a
helper loads with `related` are read, not locked. Reference rows (Warehouse, Bin, Product, Merchant)
are never locked; a rule that needs one decision per bin takes `lock_bin_for_putaway`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Model, QuerySet

from shipping.models import Shipment
from warehouse.models import (
    CountTask,
    Discrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayTask,
    Receipt,
    TransferLine,
    TransferOrder,
)


def _for_update(queryset: QuerySet, related: Iterable[str] = ()) -> QuerySet:
    related = tuple(related)
    if related:
        queryset = queryset.select_related(*related)
    return queryset.select_for_update(of=("self",), no_key=True)


def _lock(model: type[Model], pk: int, related: Iterable[str] = ()):
    return _for_update(model._default_manager.filter(pk=pk), related).get()


def lock_purchase_order(purchase_order_id: int, *, related: Iterable[str] = ()) -> PurchaseOrder:
    return _lock(PurchaseOrder, purchase_order_id, related)


def lock_receipt(receipt_id: int, *, related: Iterable[str] = ()) -> Receipt:
    return _lock(Receipt, receipt_id, related)


def lock_purchase_order_line(*, purchase_order_id: int, product_id: int) -> PurchaseOrderLine | None:
    return _for_update(PurchaseOrderLine.objects.filter(purchase_order_id=purchase_order_id, product_id=product_id)).first()


def lock_putaway_task(task_id: int, *, related: Iterable[str] = ()) -> PutawayTask:
    return _lock(PutawayTask, task_id, related)


def claim_putaway_task(queue: QuerySet[PutawayTask]) -> PutawayTask | None:
    """The first task of `queue` nobody else holds (SKIP LOCKED): two operators never claim the same one."""
    return queue.select_for_update(of=("self",), no_key=True, skip_locked=True).first()


def lock_count_task(task_id: int, *, related: Iterable[str] = ()) -> CountTask:
    return _lock(CountTask, task_id, related)


def lock_discrepancy(discrepancy_id: int, *, related: Iterable[str] = ()) -> Discrepancy:
    return _lock(Discrepancy, discrepancy_id, related)


# A transaction-scoped advisory lock per bin, in a namespace of its own (the first key), so it can never
# collide with another advisory lock of the house.
PUTAWAY_BIN_NAMESPACE = 7301


def lock_bin_for_putaway(bin_id: int) -> None:
    """One putaway decision at a time per bin. Capacity is a rule over every product in the bin, so no stock
    row owns it; a FOR UPDATE on the Bin row would stall every ledger insert and pick that references the
    bin (their foreign-key checks take FOR KEY SHARE on it). This advisory lock is taken only by putaway,
    after its task and before any stock lock, and released at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PUTAWAY_BIN_NAMESPACE, bin_id])


def claim_count_task(queue: QuerySet[CountTask]) -> CountTask | None:
    """The first count of `queue` nobody else holds (SKIP LOCKED): two counters never claim the same one."""
    return queue.select_for_update(of=("self",), no_key=True, skip_locked=True).first()


def lock_transfer(transfer_id: int, *, related: Iterable[str] = ()) -> TransferOrder:
    """A transfer before its lines, its lines (by pk) before any stock row."""
    return _lock(TransferOrder, transfer_id, related)


def lock_transfer_lines(transfer_id: int) -> list[TransferLine]:
    return list(_for_update(TransferLine.objects.filter(transfer_id=transfer_id).order_by("pk"), ("product",)))


def lock_transfers(transfer_ids: Iterable[int], *, related: Iterable[str] = ()) -> list[TransferOrder]:
    """Several transfers (a manifest's), by pk, before any of their lines, parcels' shipments or stock rows."""
    return list(_for_update(TransferOrder.objects.filter(pk__in=sorted(set(transfer_ids))).order_by("pk"), related))


def lock_transfer_parcel_shipments(transfer_id: int, *, statuses: Iterable[str]) -> list[Shipment]:
    """The labels of a transfer's parcels in `statuses` (by pk), after the transfer's lock: the order a manifest
    closing takes them in."""
    rows = Shipment.objects.filter(transfer_parcel__transfer_id=transfer_id, status__in=list(statuses)).order_by("pk")
    return list(_for_update(rows, ("merchant", "warehouse", "destination")))
