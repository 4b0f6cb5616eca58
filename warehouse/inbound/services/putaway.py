"""Putaway: claim a task (never two operators on one), confirm by scanning the bin, override with a reason.

Units move dock to bin through `inventory.services.stock.stock_move` (kind PUTAWAY), lot and expiry
kept. When a receipt's last task is done its dock-to-stock time is recorded. Units of a transfer received from
another warehouse come through the same tasks (`PutawayTask.transfer`), referenced by the transfer's number.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import Conflict, DomainError
from inventory.models import BinStock, Condition, MovementKind
from inventory.services.stock import stock_move
from layout.models import Bin, Warehouse
from warehouse.inbound.selectors import suggest_putaway_bin, zone_kind_for
from warehouse.inbound.services.lifecycle import putaway_task_transition, receipt_transition
from warehouse.locks import claim_putaway_task, lock_bin_for_putaway, lock_putaway_task, lock_receipt
from warehouse.models import PutawayOverrideReason, PutawayStep, PutawayTask, Receipt
from warehouse.scanning import ScanKind, parse_scan
from warehouse.services.scan_match import scan_names_product
from warehouse.services.station_scans import StationReply

REASON_KEYS = {
    "1": PutawayOverrideReason.BIN_FULL,
    "2": PutawayOverrideReason.BIN_BLOCKED,
    "3": PutawayOverrideReason.CONSOLIDATE,
    "4": PutawayOverrideReason.OTHER,
}
REASON_PROMPT = "; ".join(f"{key} {reason.label.lower()}" for key, reason in REASON_KEYS.items())


class PutawayRefused(DomainError):
    code = "putaway_refused"


@transaction.atomic
def putaway_claim_next(*, warehouse: Warehouse, actor, product=None) -> PutawayTask | None:
    """The operator's claimed task, or the oldest open one (of `product` when given), claimed with
    SKIP LOCKED so concurrent operators never get the same task."""
    mine = PutawayTask.objects.filter(warehouse=warehouse, status=PutawayTask.Status.CLAIMED, claimed_by=actor).first()
    if mine:
        if product is not None and mine.product_id != product.pk:
            raise PutawayRefused(f"finish your task for {mine.product.sku} first (or CMD:RELEASE it)")
        return mine
    queue = PutawayTask.objects.filter(warehouse=warehouse, status=PutawayTask.Status.OPEN).order_by("created_at", "id")
    if product is not None:
        queue = queue.filter(product=product)
    task = claim_putaway_task(queue)
    if task is None:
        return None
    suggestion = suggest_putaway_bin(task)
    return putaway_task_transition(task=task, to=PutawayTask.Status.CLAIMED, actor=actor, extra={
        "claimed_by": actor, "claimed_at": timezone.now(), "suggested_bin": suggestion.bin if suggestion else None,
        "suggestion_reason": suggestion.reason if suggestion else "no bin with room: scan any storage bin",
    })


@transaction.atomic
def putaway_release(*, task: PutawayTask, actor) -> PutawayTask:
    """Give a claimed task back to the queue (the operator, or a manager for an abandoned one)."""
    task = lock_putaway_task(task.pk)
    if task.status != PutawayTask.Status.CLAIMED:
        raise Conflict(f"putaway task {task.pk} is {task.get_status_display().lower()}, not claimed")
    return putaway_task_transition(task=task, to=PutawayTask.Status.OPEN, actor=actor, extra={
        "claimed_by": None, "claimed_at": None, "pending_qty": None, "override_bin": None, "suggested_bin": None,
    })


@transaction.atomic
def putaway_scan(*, task: PutawayTask, raw: str, actor) -> StationReply:
    """One scan at the putaway station for the operator's claimed task."""
    task = _locked_own_task(task, actor)
    scan = parse_scan(raw)
    if task.override_bin_id and (scan.kind in (ScanKind.SKU, ScanKind.COMMAND)) and _reason(scan.code):
        to_bin = task.override_bin
        return _confirmed(task, putaway_confirm(task=task, to_bin=to_bin, qty=task.pending_qty or task.remaining,
                                                actor=actor, override_reason=_reason(scan.code)))
    if scan.kind == ScanKind.QTY:
        if scan.qty > task.remaining:
            raise PutawayRefused(f"only {task.remaining} left to put away on this task, not {scan.qty}")
        task.pending_qty = scan.qty
        task.save(update_fields=["pending_qty"])
        return StationReply(True, f"Quantity {scan.qty}: now scan the bin", {"pending_qty": scan.qty})
    if scan.kind == ScanKind.COMMAND and scan.code == "RELEASE":
        putaway_release(task=task, actor=actor)
        return StationReply(True, "Task released back to the queue", {"released": True})
    if scan.kind in (ScanKind.GTIN, ScanKind.GS1, ScanKind.SKU):
        if scan_names_product(scan, task.product):
            return StationReply(True, f"Item {task.product.sku} checked: scan the bin")
        raise PutawayRefused(f"wrong item: this task is {task.product.sku} ({task.product.name})")
    if scan.kind not in (ScanKind.BIN, ScanKind.TOTE):
        raise PutawayRefused("scan the bin you put the units in")
    to_bin = _bin_in(task.warehouse_id, scan.code)
    qty = task.pending_qty or task.remaining
    if task.suggested_bin_id is None or to_bin.pk == task.suggested_bin_id:
        return _confirmed(task, putaway_confirm(task=task, to_bin=to_bin, qty=qty, actor=actor))
    check_putaway_bin(task, to_bin, qty)
    task.override_bin = to_bin
    task.save(update_fields=["override_bin"])
    return StationReply(
        True, f"{to_bin.code} is not the suggested {task.suggested_bin.code}. Why? {REASON_PROMPT}",
        {"needs_reason": True, "bin": to_bin.code},
    )


@transaction.atomic
def putaway_confirm(*, task: PutawayTask, to_bin: Bin, qty: int, actor, override_reason: str = "") -> PutawayTask:
    """Move `qty` of the task's units from the dock into `to_bin`."""
    task = _locked_own_task(task, actor)
    if not isinstance(qty, int) or qty <= 0 or qty > task.remaining:
        raise PutawayRefused(f"quantity must be between 1 and {task.remaining}, got {qty!r}")
    overriding = task.suggested_bin_id is not None and to_bin.pk != task.suggested_bin_id
    if overriding and override_reason not in PutawayOverrideReason.values:
        raise PutawayRefused(f"{to_bin.code} is not the suggested {task.suggested_bin.code}: give a reason ({REASON_PROMPT})")
    lock_bin_for_putaway(to_bin.pk)  # one putaway at a time per bin keeps capacity honest
    finishing = qty == task.remaining
    # The receipt is stocked by its last task: lock it now, before any stock row (the house lock order).
    receipt = lock_receipt(task.receipt_id) if finishing and task.receipt_id else None
    check_putaway_bin(task, to_bin, qty)
    stock_move(
        product=task.product, from_bin=task.from_bin, to_bin=to_bin, qty=qty, actor=actor, kind=MovementKind.PUTAWAY,
        condition=task.condition, lot=task.lot, reference=task.reference,
        reason="Putaway" + (f" (override: {PutawayOverrideReason(override_reason).label})" if overriding else ""),
    )
    PutawayStep.objects.create(
        task=task, to_bin=to_bin, qty=qty, suggested_bin_id=task.suggested_bin_id,
        override_reason=override_reason if overriding else "", actor=actor,
    )
    task.put_qty += qty
    task.pending_qty, task.override_bin = None, None
    task.save(update_fields=["put_qty", "pending_qty", "override_bin"])
    if finishing:
        putaway_task_transition(task=task, to=PutawayTask.Status.DONE, actor=actor, extra={"completed_at": timezone.now()})
        if receipt is not None:
            _maybe_stocked(receipt, actor)
    return task


def check_putaway_bin(task: PutawayTask, to_bin: Bin, qty: int) -> None:
    if to_bin.warehouse_id != task.warehouse_id:
        raise PutawayRefused(f"bin {to_bin.code} is in another warehouse")
    if not to_bin.is_active:
        raise PutawayRefused(f"bin {to_bin.code} is inactive")
    wanted = zone_kind_for(task.condition)
    if to_bin.kind not in Bin.STORAGE_KINDS or to_bin.zone.kind != wanted:
        what = "sellable" if task.condition == Condition.SELLABLE else task.get_condition_display().lower()
        raise PutawayRefused(f"{to_bin.code} is a {to_bin.zone.get_kind_display().lower()} {to_bin.get_kind_display().lower()}: "
                             f"{what} units go to a {dict(to_bin.zone.Kind.choices)[wanted].lower()} shelf or pallet")
    if to_bin.capacity is not None:
        held = BinStock.objects.filter(bin=to_bin).aggregate(n=Sum("qty"))["n"] or 0
        if held + qty > to_bin.capacity:
            raise PutawayRefused(f"bin {to_bin.code} has room for {max(to_bin.capacity - held, 0)}, not {qty}")


def _maybe_stocked(receipt: Receipt, actor) -> None:
    if receipt.status != Receipt.Status.PUTAWAY or receipt.putaway_tasks.exclude(status=PutawayTask.Status.DONE).exists():
        return
    stocked_at = timezone.now()
    started = receipt.first_received_at or receipt.opened_at
    receipt_transition(receipt=receipt, to=Receipt.Status.STOCKED, actor=actor, extra={
        "stocked_at": stocked_at, "dock_to_stock_seconds": int((stocked_at - started).total_seconds()),
    })


def _confirmed(task_before: PutawayTask, task: PutawayTask) -> StationReply:
    last = task.steps.order_by("-id").first()
    if task.status == PutawayTask.Status.DONE:
        return StationReply(True, f"Put {last.qty} x {task.product.sku} in {last.to_bin.code}. Task done.",
                            {"done": True, "bin": last.to_bin.code, "qty": last.qty})
    return StationReply(True, f"Put {last.qty} x {task.product.sku} in {last.to_bin.code}. {task.remaining} left.",
                        {"done": False, "bin": last.to_bin.code, "qty": last.qty, "remaining": task.remaining})


def _locked_own_task(task: PutawayTask, actor) -> PutawayTask:
    task = lock_putaway_task(task.pk, related=("product", "from_bin", "suggested_bin", "override_bin", "transfer"))
    if task.status != PutawayTask.Status.CLAIMED:
        raise PutawayRefused(f"putaway task {task.pk} is {task.get_status_display().lower()}: claim a task first")
    if task.claimed_by_id != getattr(actor, "pk", None):
        raise PutawayRefused(f"putaway task {task.pk} belongs to {task.claimed_by.get_username()}")
    return task


def _bin_in(warehouse_id: int, code: str) -> Bin:
    found = Bin.objects.select_related("zone").filter(warehouse_id=warehouse_id, code=code).first()
    if found:
        return found
    elsewhere = Bin.objects.select_related("warehouse").filter(code=code).first()
    if elsewhere:
        raise PutawayRefused(f"bin {code} is in warehouse {elsewhere.warehouse.code}, not this one")
    raise PutawayRefused(f"no bin {code} in this warehouse")


def _reason(code: str | None) -> str:
    if not code:
        return ""
    if code in REASON_KEYS:
        return REASON_KEYS[code]
    lowered = code.lower()
    return lowered if lowered in PutawayOverrideReason.values else ""


@transaction.atomic
def putaway_station_scan(*, warehouse: Warehouse, raw: str, actor) -> StationReply:
    """The station's one input: Enter (or CMD:NEXT) takes the next task, an item scan takes that
    item's task; with a task claimed, scans go to it."""
    task = PutawayTask.objects.filter(warehouse=warehouse, status=PutawayTask.Status.CLAIMED, claimed_by=actor).first()
    if task is not None:
        reply = putaway_scan(task=task, raw=raw, actor=actor)
        reply.data["task_id"] = task.pk
        return reply
    text = (raw or "").strip()
    product = None
    if text and text.upper() != "CMD:NEXT":
        scan = parse_scan(text)
        if not scan.is_product:
            raise PutawayRefused("press Enter for the next task, or scan an item waiting at the dock")
        product = _product_on_tasks(warehouse, scan)
    task = putaway_claim_next(warehouse=warehouse, actor=actor, product=product)
    if task is None:
        return StationReply(False, "No putaway task waiting" + (f" for {product.sku}" if product else ""),
                            {"code": "no_task"})
    where = task.suggested_bin.code if task.suggested_bin else "any storage bin"
    return StationReply(True, f"Take {task.remaining} x {task.product.sku} from {task.from_bin.code} to {where}",
                        {"task_id": task.pk})


def _product_on_tasks(warehouse: Warehouse, scan):
    tasks = PutawayTask.objects.filter(warehouse=warehouse, status=PutawayTask.Status.OPEN).select_related("product")
    if scan.gtin:
        tasks = tasks.filter(product__barcodes__gtin=scan.gtin)
    else:
        tasks = tasks.filter(product__sku=scan.code)
    task = tasks.first()
    if task is None:
        raise PutawayRefused(f"no open putaway task for {scan.gtin or scan.code}")
    return task.product
