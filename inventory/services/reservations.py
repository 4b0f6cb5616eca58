"""Promising stock to order lines and carrying it out of the building: reserve, release, pick,
unpick, ship. A reservation's `qty` is still to pick, `picked_qty` sits in a tote or at pack-out;
both are allocated, so picked units are never offered to another order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.transactions import service_atomic
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
# Without allow_partial, the whole reservation in one statement: the guarded UPDATE takes the level's lock and
# checks availability, the reservation and the availability mark are written from its row (so only when it was
# granted, and after the level's lock, as `inventory.locks` orders them), and the warehouse's reorder point comes
# back with them. The level's lock is then held for this one round trip and the commit.
_RESERVE_SQL = f"""
WITH level AS ({_RESERVE_LEVEL_SQL}), reservation AS (
    INSERT INTO inventory_reservation (product_id, warehouse_id, order_line_id, qty, picked_qty, shipped_qty,
        released_qty, created_at, updated_at)
    SELECT %(product)s::bigint, %(warehouse)s::bigint, %(line)s::bigint, %(qty)s::integer, 0, 0, 0,
        %(now)s::timestamptz, %(now)s::timestamptz FROM level
    ON CONFLICT (order_line_id, warehouse_id) DO UPDATE
        SET qty = inventory_reservation.qty + EXCLUDED.qty, updated_at = EXCLUDED.updated_at
        WHERE inventory_reservation.product_id = EXCLUDED.product_id
    RETURNING {_RESERVATION_COLUMNS}
), mark AS (
    INSERT INTO inventory_availabilitychange (product_id, warehouse_id, changed_at)
    SELECT %(product)s::bigint, %(warehouse)s::bigint, %(now)s::timestamptz FROM reservation
    ON CONFLICT (product_id, warehouse_id) DO UPDATE SET changed_at = EXCLUDED.changed_at
)
SELECT {", ".join(f"level.{c}" for c in _LEVEL_COLUMNS.split(", "))},
    {", ".join(f"reservation.{c}" for c in _RESERVATION_COLUMNS.split(", "))},
    (SELECT reorder_point FROM inventory_reorderrule WHERE product_id = %(product)s AND warehouse_id = %(warehouse)s)
FROM level LEFT JOIN reservation ON true
"""
_PICK_RESERVATION_SQL = f"""
UPDATE inventory_reservation SET qty = qty - %(qty)s, picked_qty = picked_qty + %(qty)s, updated_at = now()
WHERE id = %(id)s AND qty >= %(qty)s
RETURNING {_RESERVATION_COLUMNS}
"""


@transaction.atomic
def stock_reserve(
    *, product: Product, warehouse: Warehouse, qty: int, order_line_id: int, actor, merchant=None,
    allow_partial: bool = False, reference: str = "",
) -> ReservationResult:
    """Promise `qty` available units to an order line; never more than available (no oversell).

    With allow_partial, reserves what is available (possibly nothing) instead of refusing.

    One statement (`_RESERVE_SQL`: the level's guarded UPDATE, the line's reservation, the availability mark and the
    warehouse's reorder point), then the commit; the low-stock alert is looked at only where a reorder point is set.
    With allow_partial the level is locked first and the grant computed under its lock.
    """
    check_qty(qty)
    check_merchant(product, merchant)
    now = timezone.now()
    params: dict[str, Any] = {"product": product.pk, "warehouse": warehouse.pk, "line": order_line_id, "now": now}
    if not allow_partial:
        return _reserve_whole(product, warehouse, qty, params)
    available = locks.lock_stock_level(product_id=product.pk, warehouse_id=warehouse.pk).available
    granted = min(qty, max(available, 0))
    with connection.cursor() as cursor:
        level_row = None
        if granted:
            cursor.execute(_RESERVE_LEVEL_SQL, {**params, "qty": granted})
            level_row = cursor.fetchone()
            if level_row is None:  # cannot happen under the lock; refuse rather than over-promise
                raise InsufficientStock(f"{available} of {product.sku} available in {warehouse.code}, {granted} granted",
                                        sku=product.sku, available=available)
        cursor.execute(_RESERVE_LINE_SQL, {**params, "qty": granted})
        reservation_row = cursor.fetchone()
    if reservation_row is None:
        raise ReservationError(f"order line {order_line_id} is reserved for another product")
    reservation = Reservation.from_db("default", _RESERVATION_COLUMNS.split(", "), reservation_row)
    if level_row is None:
        level = locks.lock_stock_level(product_id=product.pk, warehouse_id=warehouse.pk)  # held already
    else:
        level = StockLevel.from_db("default", _LEVEL_COLUMNS.split(", "), level_row)
        low_stock_evaluate(product=product, warehouse_id=warehouse.pk)
        transaction.on_commit(availability_readers_nudge, robust=True)
    return ReservationResult(reservation, granted, level)


def _reserve_whole(product: Product, warehouse: Warehouse, qty: int, params: dict[str, Any]) -> ReservationResult:
    level_columns, reservation_columns = _LEVEL_COLUMNS.split(", "), _RESERVATION_COLUMNS.split(", ")
    with connection.cursor() as cursor:
        cursor.execute(_RESERVE_SQL, {**params, "qty": qty})
        row = cursor.fetchone()
    if row is None:  # refused by the guard: nothing changed
        level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
        available = level.available if level else 0
        raise InsufficientStock(
            f"{available} of {product.sku} available in {warehouse.code}, {qty} requested", sku=product.sku, available=available,
        )
    level_row, reservation_row = row[:len(level_columns)], row[len(level_columns):-1]
    if reservation_row[0] is None:  # the transaction rolls back the level's change
        raise ReservationError(f"order line {params['line']} is reserved for another product")
    level = StockLevel.from_db("default", level_columns, level_row)
    reservation = Reservation.from_db("default", reservation_columns, reservation_row)
    low_stock_evaluate(product=product, warehouse_id=warehouse.pk, known=(row[-1], level.available))
    transaction.on_commit(availability_readers_nudge, robust=True)
    return ReservationResult(reservation, qty, level)


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


@service_atomic
def stock_pick(
    *, reservation: Reservation, from_bin: Bin, to_bin: Bin, qty: int, actor, lot: str | None = None,
    reference: str = "",
) -> ReservationResult:
    """Bin to tote for an order line: sellable, unflagged units only; consumes the to-pick part.

    Six statements: the level's lock, the bin rows' lock, the bin row taken from, the tote's row (an upsert), both
    ledger rows, and the reservation's guarded UPDATE (taken last, after the bin rows, as `inventory.locks` orders
    them; it refuses when fewer units are still to pick, and the refusal undoes the move)."""
    check_qty(qty)
    op = StockOperation(
        product=reservation.product, warehouse_id=reservation.warehouse_id, actor=actor, reason="pick",
        reference=reference or f"order_line:{reservation.order_line_id}",
    )
    check_bin(from_bin, reservation.warehouse_id, role="pick bin")
    check_bin(to_bin, reservation.warehouse_id, role="tote")
    for source, take in op.take_rows(from_bin, qty, condition=Condition.SELLABLE, lot=lot, usable_only=True):
        op.move(source, to_bin, take, kind=MovementKind.PICK)
    with connection.cursor() as cursor:
        cursor.execute(_PICK_RESERVATION_SQL, {"qty": qty, "id": reservation.pk})
        row = cursor.fetchone()
    if row is None:
        left = Reservation.objects.filter(pk=reservation.pk).values_list("qty", flat=True).first() or 0
        raise ReservationError(f"{left} left to pick for this line, {qty} scanned")
    reservation = Reservation.from_db("default", _RESERVATION_COLUMNS.split(", "), row)
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
