"""Every row lock the returns app takes. Order: Order -> ReturnAuthorization -> its lines and units ->
(inventory: StockLevel -> BinStock). FlushBatch sits where a document does: before its lines and stock."""

from __future__ import annotations

from returns.exceptions import ReturnNotFound
from returns.models import FlushBatch, ReturnAuthorization, ReturnParcel, ReturnUnit


def _lock(qs):
    return qs.select_for_update(of=("self",), no_key=True)


def lock_rma(rma_id: int) -> ReturnAuthorization:
    rma = _lock(ReturnAuthorization.objects.select_related("order", "warehouse", "merchant")).filter(pk=rma_id).first()
    if rma is None:
        raise ReturnNotFound(f"no return {rma_id}")
    return rma


def lock_parcel(parcel_id: int) -> ReturnParcel:
    parcel = _lock(ReturnParcel.objects.all()).filter(pk=parcel_id).first()
    if parcel is None:
        raise ReturnNotFound(f"no return parcel {parcel_id}")
    return parcel


def lock_unit(unit_id: int) -> ReturnUnit:
    unit = _lock(ReturnUnit.objects.select_related("line", "product", "intake_bin")).filter(pk=unit_id).first()
    if unit is None:
        raise ReturnNotFound(f"no returned unit {unit_id}")
    return unit


def lock_flush_batch(batch_id: int) -> FlushBatch:
    batch = _lock(FlushBatch.objects.all()).filter(pk=batch_id).first()
    if batch is None:
        raise ReturnNotFound(f"no flush batch {batch_id}")
    return batch


def lock_order_row(order_id: int) -> None:
    """The order comes first in the house lock order; RMAs of one order queue on it."""
    from orders.models import Order

    Order.objects.select_for_update(of=("self",), no_key=True).filter(pk=order_id).values_list("pk", flat=True).first()
