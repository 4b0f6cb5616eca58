"""Blind counting at the count station, and a manager's review of a count over tolerance.

The counter claims the next task, scans the bin, scans each unit (`x5` then an item counts five) and
finishes by scanning the bin again (or CMD:DONE). What the system holds is never shown: the count is
compared with it only when it is finished, under the stock locks.

Stock that moves between the count and its approval: the count is compared with the snapshot taken when it
was finished (`system_qty`, with `ledger_mark`, the newest ledger row of the product there at that moment).
The approval posts the variance against that snapshot (counted - system_qty) as a signed adjustment, so
picks and putaways recorded in the ledger after the count stay counted: the bin ends at what was counted
plus whatever moved since. If the bin now holds fewer units than a loss to write off, the count cannot have
been right, and the approval is refused: the manager rejects it and a recount goes to the floor.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from core.errors import Conflict, DomainError
from inventory.exceptions import InsufficientStock
from inventory.locks import lock_bin_stock, lock_stock_level
from inventory.models import BinStock, Condition, Movement, ProductBarcode
from inventory.services.flags import stock_unflag
from inventory.services.stock import AdjustReason, stock_adjust, stock_count_set
from layout.models import Warehouse
from warehouse.control.selectors import count_policy_for
from warehouse.control.services.discrepancies import _close, _correct_to_count, _locked_open
from warehouse.control.services.lifecycle import count_task_transition
from warehouse.locks import claim_count_task, lock_count_task
from warehouse.models import CountTask, Discrepancy
from warehouse.scanning import ScanKind, parse_scan
from warehouse.services.scan_match import scan_names_product
from warehouse.services.station_scans import StationReply

STATION = "count"
FINISH_KEY = "F4"


class CountRefused(DomainError):
    code = "count_refused"


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def count_task_held_by(*, warehouse: Warehouse, actor) -> CountTask | None:
    return (CountTask.objects.filter(warehouse=warehouse, status=CountTask.Status.COUNTING, claimed_by=_user(actor))
            .select_related("product", "bin").first())


@transaction.atomic
def count_claim_next(*, warehouse: Warehouse, actor) -> CountTask | None:
    """The counter's task in hand, or the next open one (recounts of discrepancies first, then a manager's
    requests, then the schedule; oldest first), claimed with SKIP LOCKED so two counters never share one."""
    mine = count_task_held_by(warehouse=warehouse, actor=actor)
    if mine:
        return mine
    queue = (CountTask.objects.filter(warehouse=warehouse, status=CountTask.Status.OPEN)
             .annotate(priority=Case(When(source=CountTask.Source.DISCREPANCY, then=Value(0)),
                                     When(source=CountTask.Source.MANAGER, then=Value(1)),
                                     default=Value(2), output_field=IntegerField()))
             .order_by("priority", "created_at", "id"))
    task = claim_count_task(queue)
    if task is None:
        return None
    return count_task_transition(task=task, to=CountTask.Status.COUNTING, actor=actor, extra={
        "claimed_by": _user(actor), "claimed_at": timezone.now(), "bin_confirmed": False, "tally": 0, "pending_qty": None,
    })


@transaction.atomic
def count_release(*, task: CountTask, actor) -> CountTask:
    """Back to the queue; the units scanned so far are forgotten (the next counter starts from zero)."""
    task = lock_count_task(task.pk)
    if task.status != CountTask.Status.COUNTING:
        raise Conflict(f"count task {task} is {task.get_status_display().lower()}, not being counted")
    return count_task_transition(task=task, to=CountTask.Status.OPEN, actor=actor, extra={
        "claimed_by": None, "claimed_at": None, "bin_confirmed": False, "tally": 0, "pending_qty": None,
    })


@transaction.atomic
def count_scan(*, task: CountTask, raw: str, actor) -> StationReply:
    """One scan for the counter's task. Refusals change nothing."""
    task = _locked_own(task, actor)
    scan = parse_scan(raw)
    if scan.kind == ScanKind.COMMAND:
        return _command(task, scan.code or "", actor)
    if not task.bin_confirmed:
        if scan.kind != ScanKind.BIN:
            raise CountRefused(f"scan the bin first: go to {task.bin.code}")
        _check_bin(task, scan.code)
        task.bin_confirmed = True
        task.save(update_fields=["bin_confirmed"])
        return StationReply(True, f"Bin {task.bin.code}: scan every unit of {task.product.sku}, then scan the bin "
                                  f"again (or {FINISH_KEY}) to finish", {"task_id": task.pk, "counting": True})
    if scan.kind == ScanKind.QTY:
        task.pending_qty = scan.qty
        task.save(update_fields=["pending_qty"])
        return StationReply(True, f"Quantity {scan.qty}: now scan the item", {"task_id": task.pk, "pending_qty": scan.qty})
    if scan.kind == ScanKind.BIN:
        _check_bin(task, scan.code)
        return count_finished_reply(count_finish(task=task, actor=actor))
    if not scan.is_product:
        raise CountRefused(f"scan a unit of {task.product.sku}, or the bin {task.bin.code} to finish")
    if not scan_names_product(scan, task.product):
        raise CountRefused(_wrong_item(scan, task))
    qty = task.pending_qty or 1
    task.tally += qty
    task.pending_qty = None
    task.save(update_fields=["tally", "pending_qty"])
    return StationReply(True, f"+{qty} {task.product.sku}: {task.tally} scanned so far",
                        {"task_id": task.pk, "scanned": task.tally})


def _command(task: CountTask, command: str, actor) -> StationReply:
    if command in ("DONE", "FINISH"):
        if not task.bin_confirmed:
            raise CountRefused(f"scan the bin {task.bin.code} before finishing its count")
        return count_finished_reply(count_finish(task=task, actor=actor))
    if command == "RELEASE":
        count_release(task=task, actor=actor)
        return StationReply(True, f"Count {task} given back to the queue", {"released": True})
    if command == "RESTART":
        task.tally, task.pending_qty = 0, None
        task.save(update_fields=["tally", "pending_qty"])
        return StationReply(True, f"Starting {task.bin.code} again from zero: scan every unit", {"task_id": task.pk})
    raise CountRefused(f"unknown command {command}: finish with the bin or {FINISH_KEY}, CMD:RESTART, CMD:RELEASE")


def count_finished_reply(task: CountTask) -> StationReply:
    if task.status == CountTask.Status.REVIEW:
        return StationReply(True, f"Count {task} recorded: {task.counted_qty} counted. A manager will review it.",
                            {"task_id": task.pk, "status": task.status, "done": True})
    return StationReply(True, f"Count {task} recorded: {task.counted_qty} counted.",
                        {"task_id": task.pk, "status": task.status, "done": True})


def _check_bin(task: CountTask, code: str | None) -> None:
    if code != task.bin.code:
        raise CountRefused(f"wrong bin {code}: this count is in {task.bin.code}")


def _wrong_item(scan, task: CountTask) -> str:
    if scan.gtin:
        known = ProductBarcode.objects.filter(gtin=scan.gtin).select_related("product").first()
        if known is None:
            return f"unknown barcode {scan.gtin}: no product carries it. Set the unit aside; it is not counted"
        return f"that is {known.product.sku}, not {task.product.sku}: set it aside; it is not counted"
    return f"{scan.code} is not {task.product.sku}: set it aside; it is not counted"


def _locked_own(task: CountTask, actor) -> CountTask:
    task = lock_count_task(task.pk, related=("product", "bin", "claimed_by"))
    if task.status != CountTask.Status.COUNTING:
        raise CountRefused(f"count task {task} is {task.get_status_display().lower()}: claim a count first")
    if task.claimed_by_id != getattr(actor, "pk", None):
        raise CountRefused(f"count task {task} is being counted by {task.claimed_by.get_username() if task.claimed_by else 'nobody'}")
    return task


@transaction.atomic
def count_finish(*, task: CountTask, actor) -> CountTask:
    """The counter has scanned every unit: compare with the system under the stock locks. Within the
    warehouse's tolerance the count is posted at once (and closes its discrepancy); over it, the snapshot is
    kept and the count waits for a manager's approval."""
    task = _locked_own(task, actor)
    if not task.bin_confirmed:
        raise CountRefused(f"scan the bin {task.bin.code} before finishing its count")
    discrepancy = _open_discrepancy(task)
    # The level, then the bin's rows (the house order, after the WMS's own rows): no pick or putaway of this
    # product here commits between the snapshot and what is decided on it.
    lock_stock_level(product_id=task.product_id, warehouse_id=task.warehouse_id)
    rows = lock_bin_stock(BinStock.objects.filter(product=task.product, bin=task.bin, condition=Condition.SELLABLE))
    system_qty = sum(row.qty for row in rows)
    counted = task.tally
    ledger_mark = (Movement.objects.filter(product=task.product, warehouse_id=task.warehouse_id)
                   .order_by("-id").values_list("id", flat=True).first())
    snapshot = {"counted_qty": counted, "system_qty": system_qty, "counted_by": _user(actor),
                "counted_at": timezone.now(), "ledger_mark": ledger_mark, "pending_qty": None}
    if not count_policy_for(task.warehouse_id).within_tolerance(expected=system_qty, counted=counted):
        return count_task_transition(task=task, to=CountTask.Status.REVIEW, actor=actor, extra=snapshot)
    if discrepancy is not None:
        _correct_to_count(discrepancy, counted, actor=actor, reason_code=AdjustReason.CYCLE_COUNT,
                          reason=f"count {task} for D-{discrepancy.pk}")
        _close(discrepancy, Discrepancy.Resolution.RECOUNT, actor, f"counted {counted}, system had {system_qty}")
    elif counted != system_qty:
        stock_count_set(product=task.product, bin=task.bin, counted_qty=counted, actor=actor,
                        reason_code=AdjustReason.CYCLE_COUNT, reason=f"count {task} within tolerance",
                        reference=f"count:{task.pk}")
    return count_task_transition(task=task, to=CountTask.Status.DONE, actor=actor, extra=snapshot)


def _open_discrepancy(task: CountTask) -> Discrepancy | None:
    if not task.discrepancy_id:
        return None
    found = Discrepancy.objects.filter(pk=task.discrepancy_id).first()
    return _locked_open(found) if found is not None and found.status == Discrepancy.Status.OPEN else None


def _reviewable(task: CountTask, actor, note: str) -> CountTask:
    task = lock_count_task(task.pk, related=("product", "bin", "counted_by"))
    if task.status != CountTask.Status.REVIEW:
        raise Conflict(f"count task {task} is {task.get_status_display().lower()}, not awaiting approval")
    if task.counted_by_id is not None and task.counted_by_id == getattr(actor, "pk", None):
        raise CountRefused(f"you counted {task} yourself: another manager reviews it")
    if not (note or "").strip():
        raise CountRefused("give the reason for the decision")
    return task


@transaction.atomic
def count_approve(*, task: CountTask, actor, note: str) -> CountTask:
    """The variance becomes a ledger adjustment with the manager's reason (against the count's snapshot),
    and the discrepancy behind the count, if any, is closed."""
    task = _reviewable(task, actor, note)
    note = note.strip()
    discrepancy = _open_discrepancy(task)
    variance = task.variance or 0
    by = actor.get_username() if hasattr(actor, "get_username") else str(actor)
    if variance:
        try:
            stock_adjust(product=task.product, bin=task.bin, delta=variance, reason_code=AdjustReason.CYCLE_COUNT,
                         actor=actor, reference=f"count:{task.pk}",
                         reason=(f"count {task} approved by {by}: {note} (counted {task.counted_qty}, "
                                 f"system had {task.system_qty})")[:255])
        except InsufficientStock:
            raise CountRefused(
                f"{task.bin.code} now holds fewer than the {-variance} unit(s) this count would write off: stock moved "
                f"since the count, so it cannot be right. Reject it for a recount") from None
    if discrepancy is not None:
        stock_unflag(product=task.product, bin=task.bin, actor=actor, reason=f"D-{discrepancy.pk} counted by {task}")
        _close(discrepancy, Discrepancy.Resolution.RECOUNT, actor,
               f"{task} counted {task.counted_qty}, system had {task.system_qty}; approved: {note}")
    return count_task_transition(task=task, to=CountTask.Status.DONE, actor=actor, extra={
        "reviewed_by": _user(actor), "reviewed_at": timezone.now(), "review_note": note[:255],
    })


@transaction.atomic
def count_reject(*, task: CountTask, actor, note: str) -> CountTask:
    """The count is not believed: nothing is posted and a recount of the same bin goes to the floor (its
    discrepancy, if any, stays open and flagged until the recount is settled). Returns the recount."""
    task = _reviewable(task, actor, note)
    note = note.strip()
    count_task_transition(task=task, to=CountTask.Status.REJECTED, actor=actor, extra={
        "reviewed_by": _user(actor), "reviewed_at": timezone.now(), "review_note": note[:255],
    })
    return CountTask.objects.create(
        warehouse_id=task.warehouse_id, bin=task.bin, product=task.product, discrepancy_id=task.discrepancy_id,
        source=task.source, velocity_class=task.velocity_class, recount_of=task, created_by=_user(actor),
        reason=f"Recount of {task}: {note}"[:255],
    )


@transaction.atomic
def count_station_scan(*, warehouse: Warehouse, raw: str, actor) -> StationReply:
    """The station's one input: with no count in hand, Enter (or CMD:NEXT) takes the next one; with one,
    every scan goes to it."""
    task = count_task_held_by(warehouse=warehouse, actor=actor)
    if task is not None:
        return count_scan(task=task, raw=raw, actor=actor)
    text = (raw or "").strip()
    if text and text.upper() != "CMD:NEXT":
        parse_scan(text)  # an unreadable scan is refused as unreadable
        raise CountRefused("no count in hand: press Enter for the next count")
    task = count_claim_next(warehouse=warehouse, actor=actor)
    if task is None:
        return StationReply(False, "No count waiting in this warehouse", {"code": "no_task"})
    return StationReply(True, f"Count {task.product.sku} ({task.product.name}) in {task.bin.code}: go there and scan the bin",
                        {"task_id": task.pk, "bin": task.bin.code})


def count_forget_pending(*, warehouse: Warehouse, actor) -> None:
    """A refused scan forgets a typed quantity, so it never lands on a later item."""
    CountTask.objects.filter(warehouse=warehouse, status=CountTask.Status.COUNTING, claimed_by=_user(actor)) \
        .update(pending_qty=None)
