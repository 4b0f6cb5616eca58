"""Transfers between warehouses: create, release (reserve at the source), pick into the staging bin, ship
into transit, receive at the destination, close short, cancel.

Lock order: TransferOrder -> its TransferLines (by pk) -> the stock rows `inventory.services` locks
(StockLevel -> BinStock -> Reservation -> InTransitStock). Every check happens after the locks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, PermissionDenied
from core.lifecycle import Lifecycle
from inventory.models import Condition, Merchant, Product
from inventory.services.reservations import stock_pick
from inventory.services.transfers import (
    stock_transfer_receive,
    stock_transfer_release,
    stock_transfer_reserve,
    stock_transfer_ship,
    stock_transfer_write_off,
    transfer_reservation,
)
from inventory.tenancy import staff_scoped
from layout.models import Bin, Warehouse
from warehouse import locks
from warehouse.models import PutawayTask, TransferLine, TransferOrder, TransferStatus
from warehouse.transfer_selectors import transfer_live_parcels

MAX_LINE_QTY = 1_000_000
MAX_LINES = 500

_S = TransferStatus
TRANSFER = Lifecycle("transfer", _S, {
    _S.DRAFT: {_S.RELEASED, _S.CANCELLED},
    _S.RELEASED: {_S.PICKING, _S.CANCELLED},
    _S.PICKING: {_S.SHIPPED},
    _S.SHIPPED: {_S.PARTIALLY_RECEIVED, _S.RECEIVED},
    _S.PARTIALLY_RECEIVED: {_S.RECEIVED},
    _S.RECEIVED: set(),
    _S.CANCELLED: set(),
})


class InvalidTransfer(DomainError):
    code = "invalid_transfer"


class OverReceipt(Conflict):
    code = "transfer_over_receipt"


class TransferLabelled(Conflict):
    code = "transfer_labelled"


@dataclass(frozen=True)
class TransferLineInput:
    product: Product
    qty: int


def transfer_transition(*, transfer: TransferOrder, to: str, actor=None, extra=None) -> TransferOrder:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a transfer changes status inside the use case's transaction, on a locked row")
    TRANSFER.apply(transfer, to, extra=extra, label=transfer.number)
    return transfer


def check_transfer_scope(actor, *, merchant_id: int, warehouse_ids: Iterable[int]) -> None:
    """A staff user limited to merchants or warehouses acts only inside them (both buildings of a transfer)."""
    if not isinstance(actor, AbstractBaseUser):
        return  # system actors ("beat") are unrestricted
    wanted = set(warehouse_ids)
    seen = set(staff_scoped(Warehouse.objects.filter(pk__in=wanted), actor, warehouse="pk").values_list("pk", flat=True))
    merchant_ok = staff_scoped(Merchant.objects.filter(pk=merchant_id), actor, merchant="pk").exists()
    if seen != wanted or not merchant_ok:
        raise PermissionDenied("this transfer is outside your merchants or warehouses")


@transaction.atomic
def transfer_create(
    *, merchant: Merchant, from_warehouse: Warehouse, to_warehouse: Warehouse, lines: Iterable[TransferLineInput],
    actor, note: str = "",
) -> TransferOrder:
    """A draft transfer: nothing is reserved until it is released."""
    if from_warehouse.pk == to_warehouse.pk:
        raise InvalidTransfer("a transfer goes between two different warehouses")
    check_transfer_scope(actor, merchant_id=merchant.pk, warehouse_ids=(from_warehouse.pk, to_warehouse.pk))
    note = note or ""
    if len(note) > 255 or "\x00" in note:
        raise InvalidTransfer("the note is at most 255 characters, without NUL bytes")
    lines = list(lines)
    if not lines:
        raise InvalidTransfer("a transfer needs at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidTransfer(f"a transfer has at most {MAX_LINES} lines")
    seen: set[int] = set()
    for line in lines:
        if line.product.merchant_id != merchant.pk:
            raise InvalidTransfer(f"SKU {line.product.sku} belongs to another merchant", sku=line.product.sku)
        if not isinstance(line.qty, int) or isinstance(line.qty, bool) or not 0 < line.qty <= MAX_LINE_QTY:
            raise InvalidTransfer(f"quantity of {line.product.sku} must be a whole number from 1 to {MAX_LINE_QTY}")
        if line.product.pk in seen:
            raise InvalidTransfer(f"SKU {line.product.sku} appears twice", sku=line.product.sku)
        seen.add(line.product.pk)
    transfer = TransferOrder.objects.create(
        number=_new_number(), merchant=merchant, from_warehouse=from_warehouse, to_warehouse=to_warehouse, note=note,
        created_by_id=actor.pk if isinstance(actor, AbstractBaseUser) else None,
    )
    TransferLine.objects.bulk_create([TransferLine(transfer=transfer, product=line.product, qty=line.qty) for line in lines])
    return transfer


def _new_number() -> str:
    return f"TR{timezone.now():%y%m%d}{secrets.token_hex(3).upper()}"


@transaction.atomic
def transfer_release(*, transfer: TransferOrder, actor) -> TransferOrder:
    """Reserve every line at the source, all or nothing: released units can no longer be sold there."""
    transfer = _locked(transfer, actor)
    TRANSFER.check(transfer.status, _S.RELEASED, label=transfer.number)
    lines = locks.lock_transfer_lines(transfer.pk)
    stock_transfer_reserve(
        warehouse=transfer.from_warehouse, lines=[(line.pk, line.product, line.qty) for line in lines], actor=actor,
        merchant=transfer.merchant,
    )
    return transfer_transition(transfer=transfer, to=_S.RELEASED, actor=actor, extra={"released_at": timezone.now()})


@transaction.atomic
def transfer_cancel(*, transfer: TransferOrder, actor) -> TransferOrder:
    """A draft or released transfer is cancelled; a released one gives its reservations back."""
    transfer = _locked(transfer, actor)
    TRANSFER.check(transfer.status, _S.CANCELLED, label=transfer.number)
    if transfer.status == _S.RELEASED:
        for line in locks.lock_transfer_lines(transfer.pk):
            stock_transfer_release(
                transfer_line_id=line.pk, warehouse_id=transfer.from_warehouse_id, actor=actor,
                reason=f"transfer {transfer.number} cancelled",
            )
    return transfer_transition(transfer=transfer, to=_S.CANCELLED, actor=actor, extra={"cancelled_at": timezone.now()})


@transaction.atomic
def transfer_pick(
    *, transfer: TransferOrder, product: Product, from_bin: Bin, to_bin: Bin, qty: int, actor, lot: str | None = None,
) -> TransferLine:
    """Units of a line from a storage bin into the transfer's staging bin (the first pick chooses it)."""
    transfer = _locked(transfer, actor)
    if transfer.status not in (_S.RELEASED, _S.PICKING):
        raise Conflict(f"transfer {transfer.number} is {transfer.get_status_display().lower()}, not picking")
    _refuse_if_labelled(transfer, "void its label to pick more")
    staged = transfer.staging_bin
    if staged is not None and to_bin.pk != staged.pk:
        raise InvalidTransfer(f"transfer {transfer.number} is staged in bin {staged.code}")
    line = _line_of(transfer, product)
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= line.to_pick:
        raise InvalidTransfer(f"{line.to_pick} of {product.sku} left to pick, {qty!r} scanned", sku=product.sku)
    reservation = transfer_reservation(transfer_line_id=line.pk, warehouse_id=transfer.from_warehouse_id)
    if reservation is None:
        raise Conflict(f"transfer {transfer.number} holds no reservation for {product.sku}")
    stock_pick(reservation=reservation, from_bin=from_bin, to_bin=to_bin, qty=qty, actor=actor, lot=lot,
               reference=f"transfer:{transfer.number}")
    line.picked_qty += qty
    line.save(update_fields=["picked_qty"])
    extra = {} if transfer.staging_bin_id else {"staging_bin": to_bin}
    if transfer.status == _S.RELEASED:
        transfer_transition(transfer=transfer, to=_S.PICKING, actor=actor, extra=extra)
    return line


@transaction.atomic
def transfer_ship(*, transfer: TransferOrder, actor, carrier: str = "", tracking_number: str = "") -> TransferOrder:
    """By hand, for our own trucks: the carrier and tracking number are typed. A transfer labelled at the label
    station ships when its carrier's manifest closes instead (`warehouse.outbound.services.manifests`)."""
    transfer = _locked(transfer, actor)
    TRANSFER.check(transfer.status, _S.SHIPPED, label=transfer.number)
    for name, value, limit in (("carrier", carrier, 40), ("tracking number", tracking_number, 60)):
        if len(value) > limit or "\x00" in value:
            raise InvalidTransfer(f"the {name} is at most {limit} characters, without NUL bytes")
    _refuse_if_labelled(transfer, "it ships when its carrier's manifest closes; void the label to ship it by hand")
    return transfer_ship_locked(transfer=transfer, actor=actor, carrier=carrier, tracking_number=tracking_number)


def transfer_ship_locked(*, transfer: TransferOrder, actor, carrier: str, tracking_number: str) -> TransferOrder:
    """The picked units leave the source into transit; units not picked are given back to the source. The
    caller holds the transfer's lock and checked who may ship it (`transfer_ship`, or a manifest closing)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a transfer ships inside the use case's transaction, on a locked row")
    TRANSFER.check(transfer.status, _S.SHIPPED, label=transfer.number)
    lines = locks.lock_transfer_lines(transfer.pk)
    if not any(line.picked_qty for line in lines):
        raise Conflict(f"nothing of transfer {transfer.number} is picked")
    reference = f"transfer:{transfer.number}"
    staged = transfer.staging_bin
    assert staged is not None, "the first pick chose the staging bin"
    for line in lines:
        reservation = transfer_reservation(transfer_line_id=line.pk, warehouse_id=transfer.from_warehouse_id)
        if reservation is None:
            continue
        if line.picked_qty:
            stock_transfer_ship(reservation=reservation, from_bin=staged, qty=line.picked_qty,
                                to_warehouse=transfer.to_warehouse, actor=actor, reference=reference)
        if line.to_pick:
            stock_transfer_release(transfer_line_id=line.pk, warehouse_id=transfer.from_warehouse_id, actor=actor,
                                   reason=f"transfer {transfer.number} shipped short")
        line.shipped_qty = line.picked_qty
        line.save(update_fields=["shipped_qty"])
    return transfer_transition(transfer=transfer, to=_S.SHIPPED, actor=actor, extra={
        "shipped_at": timezone.now(), "carrier": carrier, "tracking_number": tracking_number,
    })


@transaction.atomic
def transfer_receive(*, transfer: TransferOrder, product: Product, qty: int, dock_bin: Bin, actor) -> TransferLine:
    """Units of a shipped transfer arrive at the destination's dock; more than was shipped is refused."""
    transfer = _locked(transfer, actor)
    if transfer.status not in (_S.SHIPPED, _S.PARTIALLY_RECEIVED):
        raise Conflict(f"transfer {transfer.number} is {transfer.get_status_display().lower()}, not in transit")
    if dock_bin.warehouse_id != transfer.to_warehouse_id:
        raise InvalidTransfer(f"bin {dock_bin.code} is not at {transfer.to_warehouse.code}")
    lines = locks.lock_transfer_lines(transfer.pk)
    line = next((line for line in lines if line.product_id == product.pk), None)
    if line is None:
        raise InvalidTransfer(f"SKU {product.sku} is not on transfer {transfer.number}", sku=product.sku)
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise InvalidTransfer(f"quantity must be a positive whole number, got {qty!r}")
    if qty > line.in_transit:
        raise OverReceipt(
            f"{line.in_transit} of {product.sku} still expected on {transfer.number}, {qty} received", sku=product.sku
        )
    stock_transfer_receive(product=product, from_warehouse=transfer.from_warehouse, to_bin=dock_bin, qty=qty,
                           actor=actor, reference=f"transfer:{transfer.number}", merchant=transfer.merchant)
    # The units wait at the dock like a PO's: a putaway task takes them into storage through the putaway station.
    PutawayTask.objects.create(transfer=transfer, warehouse_id=transfer.to_warehouse_id, product=product,
                               from_bin=dock_bin, condition=Condition.SELLABLE, qty=qty)
    line.received_qty += qty
    line.save(update_fields=["received_qty"])
    done = all(each.in_transit == 0 for each in lines)
    transfer_transition(transfer=transfer, to=_S.RECEIVED if done else _S.PARTIALLY_RECEIVED, actor=actor,
                        extra={"received_at": timezone.now()} if done else None)
    return line


@transaction.atomic
def transfer_close_short(*, transfer: TransferOrder, actor, reason: str) -> TransferOrder:
    """Close a receipt that came up short: the missing units leave transit as a recorded discrepancy."""
    transfer = _locked(transfer, actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > 255 or "\x00" in reason:
        raise InvalidTransfer("closing short needs a reason of at most 255 characters")
    TRANSFER.check(transfer.status, _S.RECEIVED, label=transfer.number)
    for line in locks.lock_transfer_lines(transfer.pk):
        missing = line.in_transit
        if missing:
            stock_transfer_write_off(product=line.product, from_warehouse_id=transfer.from_warehouse_id,
                                     to_warehouse_id=transfer.to_warehouse_id, qty=missing, actor=actor,
                                     reason=f"transfer {transfer.number} closed short: {reason}")
            line.lost_qty += missing
            line.save(update_fields=["lost_qty"])
    return transfer_transition(transfer=transfer, to=_S.RECEIVED, actor=actor, extra={
        "received_at": timezone.now(), "discrepancy_note": reason,
    })


def _refuse_if_labelled(transfer: TransferOrder, then: str) -> None:
    """Parcels are labelled only under the transfer's lock, which the caller holds: the answer cannot go stale
    towards "not labelled"."""
    label = transfer_live_parcels(transfer.pk).first()
    if label is not None:
        which = f"{label.carrier} {label.tracking_number}" if label.tracking_number else "its label is being bought"
        raise TransferLabelled(f"transfer {transfer.number} is labelled ({which}): {then}")


def _locked(transfer: TransferOrder, actor) -> TransferOrder:
    locked = locks.lock_transfer(transfer.pk, related=("merchant", "from_warehouse", "to_warehouse", "staging_bin"))
    check_transfer_scope(actor, merchant_id=locked.merchant_id,
                         warehouse_ids=(locked.from_warehouse_id, locked.to_warehouse_id))
    return locked


def _line_of(transfer: TransferOrder, product: Product) -> TransferLine:
    for line in locks.lock_transfer_lines(transfer.pk):
        if line.product_id == product.pk:
            return line
    raise InvalidTransfer(f"SKU {product.sku} is not on transfer {transfer.number}", sku=product.sku)
