"""Promising stock to order lines and carrying it out of the building: reserve, release, pick,
unpick, ship. A reservation's `qty` is still to pick, `picked_qty` sits in a tote or at pack-out;
both are allocated, so picked units are never offered to another order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from inventory import locks
from inventory.exceptions import InsufficientStock, ReservationError
from inventory.models import Condition, Movement, MovementKind, Product, Reservation, StockLevel
from inventory.services.availability import availability_readers_nudge
from inventory.services.low_stock import low_stock_evaluate
from inventory.services.operation import StockOperation, check_bin, check_merchant, check_qty
from layout.models import Bin, Warehouse


@dataclass(frozen=True)
class ReservationResult:
    reservation: Reservation
    qty: int  # how many units this call reserved, released, picked or shipped
    level: StockLevel
    movements: tuple[Movement, ...] = ()


_LEVEL_COLUMNS = "id, product_id, warehouse_id, on_hand, allocated, unavailable, updated_at"
_RESERVATION_COLUMNS = (
    "id, product_id, warehouse_id, order_line_id, qty, picked_qty, shipped_qty, released_qty, created_at, updated_at"
)
# The guarded UPDATE: takes the level's lock and checks availability in one statement (the check sees the row as
# the lock holder before us left it). With allow_partial the lock is taken first and the grant computed under it.
_RESERVE_LEVEL_SQL = f"""
UPDATE inventory_stocklevel SET allocated = allocated + %(qty)s, updated_at = %(now)s
WHERE product_id = %(product)s AND warehouse_id = %(warehouse)s AND on_hand - allocated - unavailable >= %(qty)s
RETURNING {_LEVEL_COLUMNS}
"""
# The line's reservation, created or grown (only if it is this product's), and the availability-change mark,
# written under the level lock the UPDATE above holds: one statement.
_RESERVE_LINE_SQL = f"""
WITH reservation AS (
    INSERT INTO inventory_reservation (product_id, warehouse_id, order_line_id, qty, picked_qty, shipped_qty,
        released_qty, created_at, updated_at)
    VALUES (%(product)s, %(warehouse)s, %(line)s, %(qty)s, 0, 0, 0, %(now)s, %(now)s)
    ON CONFLICT (order_line_id, warehouse_id) DO UPDATE
        SET qty = inventory_reservation.qty + EXCLUDED.qty, updated_at = EXCLUDED.updated_at
        WHERE inventory_reservation.product_id = EXCLUDED.product_id
    RETURNING {_RESERVATION_COLUMNS}
), mark AS (
    INSERT INTO inventory_availabilitychange (product_id, warehouse_id, changed_at)
    SELECT %(product)s, %(warehouse)s, %(now)s WHERE %(qty)s > 0
    ON CONFLICT (product_id, warehouse_id) DO UPDATE SET changed_at = EXCLUDED.changed_at
)
SELECT {_RESERVATION_COLUMNS} FROM reservation
"""


@transaction.atomic
def stock_reserve(
    *, product: Product, warehouse: Warehouse, qty: int, order_line_id: int, actor, merchant=None,
    allow_partial: bool = False, reference: str = "",
) -> ReservationResult:
    """Promise `qty` available units to an order line; never more than available (no oversell).

    With allow_partial, reserves what is available (possibly nothing) instead of refusing.

    A handful of statements: one guarded UPDATE of the level (its lock and the availability check at once), one
    for the line's reservation and the availability mark, the low-stock check, then the commit.
    """
    check_qty(qty)
    check_merchant(product, merchant)
    now = timezone.now()
    params: dict[str, Any] = {"product": product.pk, "warehouse": warehouse.pk, "line": order_line_id, "now": now}
    if allow_partial:
        available = locks.lock_stock_level(product_id=product.pk, warehouse_id=warehouse.pk).available
        granted = min(qty, max(available, 0))
    else:
        granted = qty
    with connection.cursor() as cursor:
        level_row = None
        if granted:
            cursor.execute(_RESERVE_LEVEL_SQL, {**params, "qty": granted})
            level_row = cursor.fetchone()
            if level_row is None:  # refused by the guard: nothing changed
                level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
                available = level.available if level else 0
                raise InsufficientStock(
                    f"{available} of {product.sku} available in {warehouse.code}, {qty} requested",
                    sku=product.sku, available=available,
                )
        cursor.execute(_RESERVE_LINE_SQL, {**params, "qty": granted})
        reservation_row = cursor.fetchone()
    if reservation_row is None:
        raise ReservationError(f"order line {order_line_id} is reserved for another product")
    reservation = Reservation.from_db("default", _RESERVATION_COLUMNS.split(", "), reservation_row)
    if level_row is None:
        level = locks.lock_stock_level(product_id=product.pk, warehouse_id=warehouse.pk)  # held already (partial)
    else:
        level = StockLevel.from_db("default", _LEVEL_COLUMNS.split(", "), level_row)
        low_stock_evaluate(product=product, warehouse_id=warehouse.pk)
        transaction.on_commit(availability_readers_nudge, robust=True)
    return ReservationResult(reservation, granted, level)


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
