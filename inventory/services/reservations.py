"""Promising stock to order lines and carrying it out of the building: reserve, release, pick,
unpick, ship. A reservation's `qty` is still to pick, `picked_qty` sits in a tote or at pack-out;
both are allocated, so picked units are never offered to another order."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from inventory import locks
from inventory.exceptions import InsufficientStock, ReservationError
from inventory.models import Condition, Movement, MovementKind, Product, Reservation, StockLevel
from inventory.services.operation import StockOperation, check_bin, check_merchant, check_qty
from layout.models import Bin, Warehouse


@dataclass(frozen=True)
class ReservationResult:
    reservation: Reservation
    qty: int  # how many units this call reserved, released, picked or shipped
    level: StockLevel
    movements: tuple[Movement, ...] = ()


@transaction.atomic
def stock_reserve(
    *, product: Product, warehouse: Warehouse, qty: int, order_line_id: int, actor, merchant=None,
    allow_partial: bool = False, reference: str = "",
) -> ReservationResult:
    """Promise `qty` available units to an order line; never more than available (no oversell).

    With allow_partial, reserves what is available (possibly nothing) instead of refusing.
    """
    check_qty(qty)
    check_merchant(product, merchant)
    op = StockOperation(product=product, warehouse_id=warehouse.pk, actor=actor, reference=reference)
    available = op.level.available
    granted = min(qty, max(available, 0)) if allow_partial else qty
    if not allow_partial and available < qty:
        raise InsufficientStock(
            f"{available} of {product.sku} available in {warehouse.code}, {qty} requested",
            sku=product.sku, available=available,
        )
    Reservation.objects.bulk_create(
        [Reservation(product=product, warehouse=warehouse, order_line_id=order_line_id, qty=0)], ignore_conflicts=True
    )
    reservation = locks.lock_line_reservation(order_line_id=order_line_id, warehouse_id=warehouse.pk)
    if reservation.product_id != product.pk:
        raise ReservationError(f"order line {order_line_id} is reserved for another product")
    if granted:
        Reservation.objects.filter(pk=reservation.pk).update(qty=F("qty") + granted)
        reservation.qty += granted
        op.allocate(granted)
    return ReservationResult(reservation, granted, op.finish())


@transaction.atomic
def stock_release(*, reservation: Reservation, actor, qty: int | None = None, reason: str = "") -> ReservationResult:
    """Give back units still to pick (all of them unless qty says otherwise)."""
    op, reservation = _lock(reservation, actor, reason)
    qty = reservation.qty if qty is None else check_qty(qty)
    if qty > reservation.qty:
        raise ReservationError(f"only {reservation.qty} unpicked units are reserved, cannot release {qty}")
    if qty:
        Reservation.objects.filter(pk=reservation.pk).update(qty=F("qty") - qty, released_qty=F("released_qty") + qty)
        reservation.qty -= qty
        reservation.released_qty += qty
        op.allocate(-qty)
    return ReservationResult(reservation, qty, op.finish())


@transaction.atomic
def stock_pick(
    *, reservation: Reservation, from_bin: Bin, to_bin: Bin, qty: int, actor, lot: str | None = None,
    reference: str = "",
) -> ReservationResult:
    """Bin to tote for an order line: sellable, unflagged units only; consumes the to-pick part."""
    check_qty(qty)
    op, reservation = _lock(reservation, actor, "pick", reference)
    check_bin(from_bin, reservation.warehouse_id, role="pick bin")
    check_bin(to_bin, reservation.warehouse_id, role="tote")
    if qty > reservation.qty:
        raise ReservationError(f"{reservation.qty} left to pick for this line, {qty} scanned")
    for source, take in op.take_rows(from_bin, qty, condition=Condition.SELLABLE, lot=lot, usable_only=True):
        op.change(source, -take, kind=MovementKind.PICK)
        op.change(op.row(to_bin, condition=source.condition, lot=source.lot, expiry=source.expiry), take, kind=MovementKind.PICK)
    Reservation.objects.filter(pk=reservation.pk).update(qty=F("qty") - qty, picked_qty=F("picked_qty") + qty)
    reservation.qty -= qty
    reservation.picked_qty += qty
    return ReservationResult(reservation, qty, op.finish(), tuple(op.movements))


@transaction.atomic
def stock_unpick(
    *, reservation: Reservation, from_bin: Bin, to_bin: Bin, qty: int, actor, reason: str, reference: str = "",
) -> ReservationResult:
    """Picked units go back to a bin (a cancelled order after picking): they stop being allocated."""
    check_qty(qty)
    op, reservation = _lock(reservation, actor, reason, reference)
    check_bin(from_bin, reservation.warehouse_id, role="tote")
    check_bin(to_bin, reservation.warehouse_id, role="bin")
    if qty > reservation.picked_qty:
        raise ReservationError(f"only {reservation.picked_qty} units of this line are picked, cannot put back {qty}")
    for source, take in op.take_rows(from_bin, qty, condition=Condition.SELLABLE):
        op.change(source, -take, kind=MovementKind.UNPICK)
        op.change(op.row(to_bin, condition=source.condition, lot=source.lot, expiry=source.expiry), take, kind=MovementKind.UNPICK)
    Reservation.objects.filter(pk=reservation.pk).update(
        picked_qty=F("picked_qty") - qty, released_qty=F("released_qty") + qty
    )
    reservation.picked_qty -= qty
    reservation.released_qty += qty
    op.allocate(-qty)
    return ReservationResult(reservation, qty, op.finish(), tuple(op.movements))


@transaction.atomic
def stock_ship(*, reservation: Reservation, from_bin: Bin, qty: int, actor, reference: str = "") -> ReservationResult:
    """Picked units leave the building with a shipment."""
    check_qty(qty)
    op, reservation = _lock(reservation, actor, "shipped", reference)
    check_bin(from_bin, reservation.warehouse_id, role="pack bin")
    if qty > reservation.picked_qty:
        raise ReservationError(f"only {reservation.picked_qty} units of this line are picked, cannot ship {qty}")
    for source, take in op.take_rows(from_bin, qty, condition=Condition.SELLABLE):
        op.change(source, -take, kind=MovementKind.SHIP)
    Reservation.objects.filter(pk=reservation.pk).update(
        picked_qty=F("picked_qty") - qty, shipped_qty=F("shipped_qty") + qty
    )
    reservation.picked_qty -= qty
    reservation.shipped_qty += qty
    op.allocate(-qty)
    return ReservationResult(reservation, qty, op.finish(), tuple(op.movements))


def _lock(reservation: Reservation, actor, reason: str = "", reference: str = "") -> tuple[StockOperation, Reservation]:
    op = StockOperation(
        product=reservation.product, warehouse_id=reservation.warehouse_id, actor=actor, reason=reason,
        reference=reference or f"order_line:{reservation.order_line_id}",
    )
    return op, locks.lock_reservation(reservation.pk)
