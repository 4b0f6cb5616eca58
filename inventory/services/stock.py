"""Physical stock actions: receive, move, adjust, change condition, flush.

Each is one transaction: lock the (product, warehouse) level, check under the lock, write bin rows,
level and ledger together through a StockOperation. Bad input raises a domain error and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction

from core.actors import Actor
from core.audit import audit_record
from core.models import AuditAction
from inventory.exceptions import InvalidQuantity, WrongWarehouse
from inventory.locks import lock_bin_stock
from inventory.models import BinStock, Condition, Movement, MovementKind, Product, StockLevel
from inventory.services.operation import StockOperation, check_bin, check_merchant, check_qty
from layout.models import Bin


class AdjustReason(models.TextChoices):
    CYCLE_COUNT = "cycle_count", "Cycle count"
    FOUND = "found", "Found"
    LOST = "lost", "Lost / missing"
    DAMAGED_WRITE_OFF = "damaged_write_off", "Damaged, written off"
    EXPIRED = "expired", "Expired"
    CORRECTION = "correction", "Data correction"


class Disposition(models.TextChoices):
    LIQUIDATE = "liquidate", "Liquidate"
    DONATE = "donate", "Donate"
    DESTROY = "destroy", "Destroy"
    RETURN_TO_VENDOR = "return_to_vendor", "Return to vendor"
    REFURBISH = "refurbish", "Send to refurbish"


@dataclass(frozen=True)
class StockResult:
    """What a stock action did: the ledger rows it wrote and the level after it."""

    movements: list[Movement]
    level: StockLevel


@dataclass(frozen=True)
class FlushResult(StockResult):
    value_written_off: Decimal = Decimal("0")


@transaction.atomic
def stock_receive(
    *, product: Product, bin: Bin, qty: int, actor, reason: str = "", reference: str = "",
    condition: str = Condition.SELLABLE, lot: str = "", expiry: dt.date | None = None,
    merchant=None, kind: str = MovementKind.RECEIVE,
) -> StockResult:
    """Units arrive in the building into `bin` (a dock bin when receiving, a returns bin for returns)."""
    check_qty(qty)
    check_bin(bin)
    check_merchant(product, merchant)
    _check_condition(condition)
    if kind not in (MovementKind.RECEIVE, MovementKind.RETURN):
        raise InvalidQuantity(f"stock_receive cannot record a {kind} movement")
    op = StockOperation(product=product, warehouse_id=bin.warehouse_id, actor=actor, reason=reason, reference=reference)
    row = op.row(bin, condition=condition, lot=lot, expiry=expiry)
    if expiry and row.expiry is None:
        row.expiry = expiry
        type(row).objects.filter(pk=row.pk).update(expiry=expiry)
    op.change(row, qty, kind=kind)
    return StockResult(op.movements, op.finish())


@transaction.atomic
def stock_move(
    *, product: Product, from_bin: Bin, to_bin: Bin, qty: int, actor, reason: str = "", reference: str = "",
    condition: str = Condition.SELLABLE, lot: str | None = None, kind: str = MovementKind.MOVE,
) -> StockResult:
    """Bin to bin inside one warehouse, totes and carts included; lots move first-expiry first."""
    check_qty(qty)
    check_bin(from_bin, role="from bin")
    check_bin(to_bin, from_bin.warehouse_id, role="to bin")
    if from_bin.pk == to_bin.pk:
        raise WrongWarehouse(f"from and to are the same bin {from_bin.code}")
    if kind not in (MovementKind.MOVE, MovementKind.PUTAWAY):
        raise InvalidQuantity(f"stock_move cannot record a {kind} movement")
    op = StockOperation(product=product, warehouse_id=from_bin.warehouse_id, actor=actor, reason=reason, reference=reference)
    for source, take in op.take_rows(from_bin, qty, condition=condition, lot=lot):
        target = op.row(to_bin, condition=source.condition, lot=source.lot, expiry=source.expiry)
        op.change(source, -take, kind=kind)
        op.change(target, take, kind=kind)
    return StockResult(op.movements, op.finish())


@transaction.atomic
def stock_adjust(
    *, product: Product, bin: Bin, delta: int, reason_code: str, actor, reason: str = "", reference: str = "",
    condition: str = Condition.SELLABLE, lot: str = "", merchant=None,
) -> StockResult:
    """Counts and write-offs: a signed change with a reason code."""
    if reason_code not in AdjustReason.values:
        raise InvalidQuantity(f"unknown adjustment reason {reason_code!r} (one of {', '.join(AdjustReason.values)})")
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise InvalidQuantity(f"an adjustment must be a non-zero whole number, got {delta!r}")
    check_bin(bin)
    check_merchant(product, merchant)
    _check_condition(condition)
    op = StockOperation(
        product=product, warehouse_id=bin.warehouse_id, actor=actor,
        reason=f"{AdjustReason(reason_code).label}{': ' + reason if reason else ''}", reference=reference,
    )
    if delta > 0:
        op.change(op.row(bin, condition=condition, lot=lot), delta, kind=MovementKind.ADJUST)
    else:
        for row, take in op.take_rows(bin, -delta, condition=condition, lot=lot or None):
            op.change(row, -take, kind=MovementKind.ADJUST)
    level = op.finish()
    _audit_adjustment(op, product, bin, actor=actor, condition=condition, details={"delta": delta, "reason_code": reason_code, "lot": lot})
    return StockResult(op.movements, level)


@dataclass(frozen=True)
class CountResult(StockResult):
    """A count applied: what the system held in the bin when the count was applied, and the variance."""

    system_qty: int = 0
    counted_qty: int = 0

    @property
    def variance(self) -> int:
        return self.counted_qty - self.system_qty


@transaction.atomic
def stock_count_set(
    *, product: Product, bin: Bin, counted_qty: int, actor, reason_code: str = AdjustReason.CYCLE_COUNT,
    reason: str = "", reference: str = "", condition: str = Condition.SELLABLE, merchant=None,
) -> CountResult:
    """The bin holds `counted_qty` units of `product` in `condition`: the system follows the count.

    The bin's rows are read under the level and row locks, so a pick or putaway that commits while the
    counter walks back is either counted in `system_qty` or waits: the variance is never applied to a
    quantity that has already changed. One ledger row per bin row touched, kind adjust, signed by the
    variance; a count above the system's quantity under a LOST reason is recorded as FOUND.
    """
    if reason_code not in AdjustReason.values:
        raise InvalidQuantity(f"unknown adjustment reason {reason_code!r} (one of {', '.join(AdjustReason.values)})")
    if not isinstance(counted_qty, int) or isinstance(counted_qty, bool) or counted_qty < 0:
        raise InvalidQuantity(f"the counted quantity must be a whole number, 0 or more, got {counted_qty!r}")
    check_bin(bin)
    check_merchant(product, merchant)
    _check_condition(condition)
    op = StockOperation(product=product, warehouse_id=bin.warehouse_id, actor=actor, reference=reference)
    rows = lock_bin_stock(BinStock.objects.filter(product=product, bin=bin, condition=condition))
    system_qty = sum(row.qty for row in rows)
    variance = counted_qty - system_qty
    if variance > 0 and reason_code == AdjustReason.LOST:
        reason_code = AdjustReason.FOUND
    op.reason = (f"{AdjustReason(reason_code).label}: {reason + ' ' if reason else ''}"
                 f"(counted {counted_qty}, system {system_qty})")
    if variance > 0:
        # Found units join the bin's largest lot, as the counter cannot tell lots apart on the shelf.
        largest = max(rows, key=lambda r: (r.qty, -r.pk), default=None)
        row = largest or op.row(bin, condition=condition, lot="")
        op.change(row, variance, kind=MovementKind.ADJUST)
    elif variance < 0:
        remaining = -variance
        for row in sorted(rows, key=lambda r: (r.expiry is None, r.expiry, r.lot, r.pk)):
            take = min(row.qty, remaining)
            if take:
                op.change(row, -take, kind=MovementKind.ADJUST)
                remaining -= take
    level = op.finish()
    if variance:
        _audit_adjustment(op, product, bin, actor=actor, condition=condition, details={
            "delta": variance, "reason_code": reason_code, "counted_qty": counted_qty, "system_qty": system_qty})
    return CountResult(op.movements, level, system_qty=system_qty, counted_qty=counted_qty)


@transaction.atomic
def stock_change_condition(
    *, product: Product, bin: Bin, qty: int, from_condition: str, to_condition: str, actor, reason: str,
    reference: str = "", lot: str | None = None,
) -> StockResult:
    """Sellable to damaged, into quarantine, graded returns to sellable: same bin, new condition."""
    check_qty(qty)
    check_bin(bin)
    _check_condition(from_condition)
    _check_condition(to_condition)
    if from_condition == to_condition:
        raise InvalidQuantity(f"units are already {from_condition}")
    op = StockOperation(product=product, warehouse_id=bin.warehouse_id, actor=actor, reason=reason, reference=reference)
    for source, take in op.take_rows(bin, qty, condition=from_condition, lot=lot):
        target = op.row(bin, condition=to_condition, lot=source.lot, expiry=source.expiry)
        op.change(source, -take, kind=MovementKind.CONDITION)
        op.change(target, take, kind=MovementKind.CONDITION)
    return StockResult(op.movements, op.finish())


@transaction.atomic
def stock_flush(
    *, product: Product, bin: Bin, qty: int, disposition: str, actor, reason: str, reference: str = "",
    condition: str = Condition.DAMAGED, lot: str | None = None,
) -> FlushResult:
    """Units leave the building through a disposition; their cost value is written off."""
    check_qty(qty)
    check_bin(bin)
    if disposition not in Disposition.values:
        raise InvalidQuantity(f"unknown disposition {disposition!r} (one of {', '.join(Disposition.values)})")
    if not reason:
        raise InvalidQuantity("a flush needs a reason")
    op = StockOperation(
        product=product, warehouse_id=bin.warehouse_id, actor=actor,
        reason=f"{Disposition(disposition).label}: {reason}", reference=reference,
    )
    for row, take in op.take_rows(bin, qty, condition=condition, lot=lot):
        op.change(row, -take, kind=MovementKind.FLUSH)
    level = op.finish()
    return FlushResult(op.movements, level, value_written_off=product.unit_cost * qty)


def _audit_adjustment(op: StockOperation, product: Product, bin: Bin, *, actor: Actor, condition: str,
                      details: dict) -> None:
    """An adjustment or a count's variance, in the audit log with the ledger rows it wrote."""
    audit_record(
        action=AuditAction.STOCK_ADJUSTED, actor=actor, obj=product, object_label=f"{product.sku} in {bin.code}",
        merchant_id=product.merchant_id, warehouse_id=bin.warehouse_id,
        details={**details, "bin": bin.code, "condition": condition, "reason": op.reason, "reference": op.reference,
                 "movements": [m.pk for m in op.movements]},
    )


def _check_condition(condition: str) -> None:
    if condition not in Condition.values:
        raise InvalidQuantity(f"unknown condition {condition!r} (one of {', '.join(Condition.values)})")

