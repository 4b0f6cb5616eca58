"""The one place stock balances and the ledger are written together.

A service opens a transaction, starts a StockOperation for its (product, warehouse) (which takes
the StockLevel lock), changes bin rows through it, and calls finish(). Level counters, ledger rows,
low-stock alerts and the available-to-sell change marks are all derived here, so no service can forget one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.actors import actor_label
from inventory import locks
from inventory.exceptions import InactiveBin, InsufficientStock, InvalidQuantity, WrongMerchant, WrongWarehouse
from inventory.models import BinStock, Movement, StockLevel
from inventory.services.availability import availability_mark
from inventory.services.stock_events import stock_changed_record

_BIN_STOCK_COLUMNS = "id, product_id, bin_id, warehouse_id, condition, lot, expiry, qty, is_flagged, updated_at"
# Units arriving in a bin: the row is created (flagged when the bin has an open flag for the product, as
# `locks.lock_or_create_bin_stock` does) or grown, and locked either way, in one statement.
_PUT_SQL = f"""
INSERT INTO inventory_binstock (product_id, bin_id, warehouse_id, condition, lot, expiry, qty, is_flagged, updated_at)
VALUES (%(product)s, %(bin)s, %(warehouse)s, %(condition)s, %(lot)s, %(expiry)s, %(qty)s,
        EXISTS (SELECT 1 FROM inventory_stockflag
                WHERE product_id = %(product)s AND bin_id = %(bin)s AND cleared_at IS NULL), now())
ON CONFLICT (product_id, bin_id, condition, lot) DO UPDATE SET qty = inventory_binstock.qty + EXCLUDED.qty
RETURNING {_BIN_STOCK_COLUMNS}
"""


def check_qty(qty) -> int:
    if not isinstance(qty, int) or isinstance(qty, bool):
        raise InvalidQuantity(f"quantity must be a whole number, got {qty!r}")
    if qty <= 0:
        raise InvalidQuantity(f"quantity must be positive, got {qty}")
    return qty


def check_bin(bin_, warehouse_id: int | None = None, *, role: str = "bin") -> None:
    if not bin_.is_active:
        raise InactiveBin(f"{role} {bin_.code} is inactive", bin=bin_.code)
    if warehouse_id is not None and bin_.warehouse_id != warehouse_id:
        raise WrongWarehouse(f"{role} {bin_.code} is in another warehouse", bin=bin_.code)


def check_merchant(product, merchant) -> None:
    if merchant is not None and product.merchant_id != merchant.id:
        raise WrongMerchant(f"SKU {product.sku} belongs to another merchant", sku=product.sku)


@dataclass
class StockOperation:
    product: object
    warehouse_id: int
    actor: object
    reason: str = ""
    reference: str = ""
    level: StockLevel = field(init=False)
    operation: uuid.UUID = field(init=False, default_factory=uuid.uuid4)
    movements: list[Movement] = field(init=False, default_factory=list)
    _on_hand: int = field(init=False, default=0)
    _allocated: int = field(init=False, default=0)
    _unavailable: int = field(init=False, default=0)

    def __post_init__(self):
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("a StockOperation must run inside the service's transaction")
        self.level = locks.lock_stock_level(product_id=self.product.pk, warehouse_id=self.warehouse_id)

    # --- bin rows -----------------------------------------------------------------------
    def row(self, bin_, *, condition: str, lot: str = "", expiry=None) -> BinStock:
        return locks.lock_or_create_bin_stock(product_id=self.product.pk, bin=bin_, condition=condition, lot=lot, expiry=expiry)

    def take_rows(self, bin_, qty: int, *, condition: str, lot: str | None = None, usable_only: bool = False):
        """Lock the rows of `bin_` to take `qty` from, first expiry first; refuse if the bin holds fewer."""
        rows = BinStock.objects.filter(product=self.product, bin=bin_, condition=condition, qty__gt=0)
        if lot is not None:
            rows = rows.filter(lot=lot)
        if usable_only:
            rows = rows.filter(is_flagged=False)
        locked = sorted(locks.lock_bin_stock(rows), key=lambda r: (r.expiry is None, r.expiry, r.lot, r.pk))
        held = sum(r.qty for r in locked)
        if held < qty:
            what = f"{condition} units of {self.product.sku}" + (f" lot {lot}" if lot else "")
            raise InsufficientStock(
                f"bin {bin_.code} holds {held} {what}, {qty} requested", bin=bin_.code, sku=self.product.sku
            )
        plan, remaining = [], qty
        for r in locked:
            take = min(r.qty, remaining)
            if take:
                plan.append((r, take))
                remaining -= take
        return plan

    def change(self, row: BinStock, delta: int, *, kind: str) -> Movement:
        BinStock.objects.filter(pk=row.pk).update(qty=F("qty") + delta)
        row.qty += delta
        movement = self._count(row, delta, kind=kind)
        movement.save(force_insert=True)
        self.movements.append(movement)
        return movement

    def move(self, source: BinStock, to_bin, qty: int, *, kind: str) -> BinStock:
        """`qty` units of a locked row of this operation to the same condition, lot and expiry in `to_bin`: both
        bin rows and both ledger rows in three statements (the destination row is created, or grown and locked,
        by one upsert). Returns the destination row."""
        BinStock.objects.filter(pk=source.pk).update(qty=F("qty") - qty)
        source.qty -= qty
        with connection.cursor() as cursor:
            cursor.execute(_PUT_SQL, {
                "product": self.product.pk, "bin": to_bin.pk, "warehouse": to_bin.warehouse_id, "qty": qty,
                "condition": source.condition, "lot": source.lot, "expiry": source.expiry,
            })
            target = BinStock.from_db("default", _BIN_STOCK_COLUMNS.split(", "), cursor.fetchone())
        movements = [self._count(source, -qty, kind=kind), self._count(target, qty, kind=kind)]
        self.movements.extend(Movement.objects.bulk_create(movements))
        return target

    def _count(self, row: BinStock, delta: int, *, kind: str) -> Movement:
        """The level counters follow a bin row that changed by `delta` (now at `row.qty`); its ledger row, unsaved."""
        self._on_hand += delta
        if row.counts_as_unavailable:
            self._unavailable += delta
        return Movement(
            product=self.product, warehouse_id=self.warehouse_id, bin_id=row.bin_id, qty=delta, kind=kind,
            condition=row.condition, lot=row.lot, actor=self.actor if not isinstance(self.actor, str) else None,
            actor_label=actor_label(self.actor), reason=self.reason, reference=self.reference,
            operation=self.operation, bin_qty_after=row.qty,
        )

    # --- level counters -------------------------------------------------------------------
    def allocate(self, delta: int) -> None:
        self._allocated += delta

    def make_unavailable(self, delta: int) -> None:
        self._unavailable += delta

    def finish(self) -> StockLevel:
        if self._on_hand or self._allocated or self._unavailable:
            StockLevel.objects.filter(pk=self.level.pk).update(
                on_hand=F("on_hand") + self._on_hand,
                allocated=F("allocated") + self._allocated,
                unavailable=F("unavailable") + self._unavailable,
                updated_at=timezone.now(),
            )
            self.level.on_hand += self._on_hand
            self.level.allocated += self._allocated
            self.level.unavailable += self._unavailable
        if self._on_hand - self._allocated - self._unavailable:
            self._availability_changed()
        if self._on_hand or self._on_hand - self._allocated - self._unavailable:
            stock_changed_record(product=self.product, warehouse_id=self.warehouse_id, level=self.level,
                                 reference=self.reference)
        return self.level

    def _availability_changed(self) -> None:
        from inventory.services.low_stock import low_stock_evaluate

        low_stock_evaluate(product=self.product, warehouse_id=self.warehouse_id)
        availability_mark(product_id=self.product.pk, warehouse_id=self.warehouse_id)

