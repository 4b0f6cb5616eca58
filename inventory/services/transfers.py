"""Stock moving between two warehouses of the same merchant.

A transfer line reserves its units at the source like an order line does (the reservation is keyed by the
negative transfer line id, so it never meets a real order line), is picked through `stock_pick`, and leaves
the source with `stock_transfer_ship` (ledger kind transfer_out) into an in-transit row per (product, from,
to). In transit the units are in neither building's on hand, so neither can sell them. The destination takes
them in with `stock_transfer_receive` (ledger kind transfer_in). Units that never arrive are written off the
in-transit row with `stock_transfer_write_off`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory import locks
from inventory.exceptions import InsufficientStock, InvalidQuantity, ReservationError, WrongWarehouse
from inventory.models import (
    Condition,
    InTransitStock,
    Movement,
    MovementKind,
    Product,
    Reservation,
    StockLevel,
    transfer_reservation_line_id,
)
from inventory.services.operation import StockOperation, check_bin, check_merchant, check_qty
from inventory.services.reservations import ReservationResult, stock_release, stock_reserve
from layout.models import Bin, Warehouse


def transfer_reservation(*, transfer_line_id: int, warehouse_id: int) -> Reservation | None:
    return Reservation.objects.select_related("product").filter(
        order_line_id=transfer_reservation_line_id(transfer_line_id), warehouse_id=warehouse_id
    ).first()


@dataclass(frozen=True)
class TransitResult:
    movements: tuple[Movement, ...]
    level: StockLevel
    in_transit: InTransitStock


@transaction.atomic
def stock_transfer_reserve(
    *, warehouse: Warehouse, lines: list[tuple[int, Product, int]], actor, merchant=None,
) -> list[ReservationResult]:
    """Promise each (transfer line id, product, qty) its units at the source, all or nothing: every level is
    locked first, in primary-key order, then each line reserved; one short line refuses the whole transfer."""
    for _, product, qty in lines:
        check_qty(qty)
        check_merchant(product, merchant)
    locks.lock_stock_levels((product.pk, warehouse.pk) for _, product, _ in lines)
    return [
        stock_reserve(
            product=product, warehouse=warehouse, qty=qty, order_line_id=transfer_reservation_line_id(line_id), actor=actor,
            merchant=merchant, reference=f"transfer_line:{line_id}",
        )
        for line_id, product, qty in lines
    ]


@transaction.atomic
def stock_transfer_release(*, transfer_line_id: int, warehouse_id: int, actor, reason: str) -> int:
    """Give back the units a transfer line still has to pick; returns how many."""
    reservation = transfer_reservation(transfer_line_id=transfer_line_id, warehouse_id=warehouse_id)
    if reservation is None:
        return 0
    return stock_release(reservation=reservation, actor=actor, reason=reason).qty


@transaction.atomic
def stock_transfer_ship(
    *, reservation: Reservation, from_bin: Bin, qty: int, to_warehouse: Warehouse, actor, reference: str = "",
) -> TransitResult:
    """Picked units of a transfer line leave the source: out of its bins and level, into transit."""
    check_qty(qty)
    if reservation.order_line_id >= 0:
        raise ReservationError("only a transfer line's reservation ships into transit")
    if to_warehouse.pk == reservation.warehouse_id:
        raise WrongWarehouse("a transfer goes to another warehouse")
    op = StockOperation(
        product=reservation.product, warehouse_id=reservation.warehouse_id, actor=actor,
        reason=f"transfer to {to_warehouse.code}", reference=reference,
    )
    reservation = locks.lock_reservation(reservation.pk)
    check_bin(from_bin, reservation.warehouse_id, role="staging bin")
    if qty > reservation.picked_qty:
        raise ReservationError(f"only {reservation.picked_qty} units of this line are picked, cannot ship {qty}")
    for source, take in op.take_rows(from_bin, qty, condition=Condition.SELLABLE):
        op.change(source, -take, kind=MovementKind.TRANSFER_OUT)
    Reservation.objects.filter(pk=reservation.pk).update(
        picked_qty=F("picked_qty") - qty, shipped_qty=F("shipped_qty") + qty
    )
    op.allocate(-qty)
    transit = locks.lock_or_create_in_transit(
        product_id=reservation.product_id, from_warehouse_id=reservation.warehouse_id, to_warehouse_id=to_warehouse.pk,
    )
    InTransitStock.objects.filter(pk=transit.pk).update(qty=F("qty") + qty, updated_at=timezone.now())
    transit.qty += qty
    return TransitResult(tuple(op.movements), op.finish(), transit)


@transaction.atomic
def stock_transfer_receive(
    *, product: Product, from_warehouse: Warehouse, to_bin: Bin, qty: int, actor, reference: str = "",
    merchant=None,
) -> TransitResult:
    """Units in transit arrive at the destination's dock bin; never more than are in transit."""
    check_qty(qty)
    check_bin(to_bin, role="dock bin")
    check_merchant(product, merchant)
    if to_bin.warehouse_id == from_warehouse.pk:
        raise WrongWarehouse("a transfer is received at the other warehouse")
    op = StockOperation(
        product=product, warehouse_id=to_bin.warehouse_id, actor=actor,
        reason=f"transfer from {from_warehouse.code}", reference=reference,
    )
    row = op.row(to_bin, condition=Condition.SELLABLE)
    transit = locks.lock_or_create_in_transit(
        product_id=product.pk, from_warehouse_id=from_warehouse.pk, to_warehouse_id=to_bin.warehouse_id,
    )
    if transit.qty < qty:
        raise InsufficientStock(
            f"{transit.qty} of {product.sku} in transit from {from_warehouse.code}, {qty} received",
            sku=product.sku, available=transit.qty,
        )
    InTransitStock.objects.filter(pk=transit.pk).update(qty=F("qty") - qty, updated_at=timezone.now())
    transit.qty -= qty
    op.change(row, qty, kind=MovementKind.TRANSFER_IN)
    return TransitResult(tuple(op.movements), op.finish(), transit)


@transaction.atomic
def stock_transfer_write_off(
    *, product: Product, from_warehouse_id: int, to_warehouse_id: int, qty: int, actor, reason: str,
) -> InTransitStock:
    """Units that never arrived leave the in-transit row (a short receipt closed with a discrepancy)."""
    check_qty(qty)
    if not reason:
        raise InvalidQuantity("a write-off needs a reason")
    transit = locks.lock_or_create_in_transit(
        product_id=product.pk, from_warehouse_id=from_warehouse_id, to_warehouse_id=to_warehouse_id,
    )
    if transit.qty < qty:
        raise InsufficientStock(f"{transit.qty} of {product.sku} in transit, cannot write off {qty}", sku=product.sku)
    InTransitStock.objects.filter(pk=transit.pk).update(qty=F("qty") - qty, updated_at=timezone.now())
    transit.qty -= qty
    return transit
