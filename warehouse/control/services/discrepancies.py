"""The manager's side of a discrepancy: see what happened to the bin, then resolve it.

Found: the units were there after all (unflag). Adjusted: the manager counted the bin; the ledger is
corrected to the count with a reason, then unflagged. Recount: a count task goes to the floor; the
discrepancy closes when it is counted (see `count_task_complete`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from inventory.models import Condition
from inventory.services.flags import stock_unflag
from inventory.services.stock import AdjustReason, stock_count_set
from warehouse.control.services.lifecycle import count_task_transition, discrepancy_transition
from warehouse.locks import lock_count_task, lock_discrepancy
from warehouse.models import CountTask, Discrepancy
from warehouse.models.counts import ACTIVE_COUNT_STATUSES


class DiscrepancyRefused(DomainError):
    code = "discrepancy_refused"


@transaction.atomic
def discrepancy_resolve(*, discrepancy: Discrepancy, resolution: str, actor, note: str = "",
                        counted_qty: int | None = None) -> Discrepancy:
    discrepancy = _locked_open(discrepancy)
    if resolution == Discrepancy.Resolution.FOUND:
        stock_unflag(product=discrepancy.product, bin=discrepancy.bin, actor=actor,
                     reason=f"D-{discrepancy.pk} resolved: stock found. {note}".strip())
    elif resolution == Discrepancy.Resolution.ADJUSTED:
        _correct_to_count(discrepancy, counted_qty, actor=actor, reason_code=AdjustReason.LOST,
                          reason=f"D-{discrepancy.pk} {discrepancy.get_kind_display().lower()}. {note}".strip())
    elif resolution == Discrepancy.Resolution.RECOUNT:
        if discrepancy.count_tasks.filter(status__in=ACTIVE_COUNT_STATUSES).exists():
            raise Conflict(f"D-{discrepancy.pk} already has a recount waiting")
        waiting = CountTask.objects.filter(product=discrepancy.product, bin=discrepancy.bin,
                                           status__in=ACTIVE_COUNT_STATUSES).first()
        if waiting is not None:
            # A scheduled or requested count of the same shelf is already on its way: it settles the discrepancy.
            CountTask.objects.filter(pk=waiting.pk, discrepancy__isnull=True).update(discrepancy=discrepancy)
        else:
            CountTask.objects.create(
                warehouse_id=discrepancy.warehouse_id, bin=discrepancy.bin, product=discrepancy.product,
                discrepancy=discrepancy, source=CountTask.Source.DISCREPANCY,
                reason=f"Recount for D-{discrepancy.pk}. {note}".strip(), created_by=actor if getattr(actor, "pk", None) else None,
            )
        discrepancy.resolution, discrepancy.resolution_note = resolution, note[:255]
        discrepancy.save(update_fields=["resolution", "resolution_note"])
        return discrepancy  # stays open, flagged, until the count comes back
    else:
        raise DiscrepancyRefused(f"unknown resolution {resolution!r} (one of {', '.join(Discrepancy.Resolution.values)})")
    return _close(discrepancy, resolution, actor, note)


@transaction.atomic
def count_task_complete(*, task: CountTask, counted_qty: int, actor) -> CountTask:
    """The bin was counted: the ledger follows the count (reason: cycle count) and the flag is cleared."""
    # The task row only: product and bin are read, never locked (a FOR UPDATE on them would stall the
    # ledger inserts and discrepancy rows of every pick in that bin while this count waits for the stock lock).
    task = lock_count_task(task.pk, related=("product", "bin"))
    if task.status != CountTask.Status.OPEN:
        raise Conflict(f"count task {task} is {task.get_status_display().lower()}")
    if task.discrepancy_id:
        discrepancy = _locked_open(task.discrepancy)
        system_qty = _correct_to_count(discrepancy, counted_qty, actor=actor, reason_code=AdjustReason.CYCLE_COUNT,
                                       reason=f"recount {task} for D-{discrepancy.pk}")
        _close(discrepancy, Discrepancy.Resolution.RECOUNT, actor, f"counted {counted_qty}, system had {system_qty}")
    else:
        system_qty = _adjust_to(task.product, task.bin, counted_qty, actor=actor, reason_code=AdjustReason.CYCLE_COUNT,
                                reason=f"count {task}")
    return count_task_transition(task=task, to=CountTask.Status.DONE, actor=actor, extra={
        "counted_qty": counted_qty, "system_qty": system_qty, "counted_by": actor if getattr(actor, "pk", None) else None,
        "counted_at": timezone.now(),
    })


def _correct_to_count(discrepancy: Discrepancy, counted_qty, *, actor, reason_code: str, reason: str) -> int:
    system_qty = _adjust_to(discrepancy.product, discrepancy.bin, counted_qty, actor=actor, reason_code=reason_code,
                            reason=reason, reference=f"discrepancy:{discrepancy.pk}")
    stock_unflag(product=discrepancy.product, bin=discrepancy.bin, actor=actor, reason=f"D-{discrepancy.pk} counted")
    return system_qty


def _adjust_to(product, bin_, counted_qty, *, actor, reason_code: str, reason: str, reference: str = "") -> int:
    """The count is applied by the IMS under its stock locks, so a pick committing meanwhile is never lost."""
    if not isinstance(counted_qty, int) or isinstance(counted_qty, bool) or counted_qty < 0:
        raise DiscrepancyRefused(f"give the counted quantity in {bin_.code} (0 or more), got {counted_qty!r}")
    counted = stock_count_set(product=product, bin=bin_, counted_qty=counted_qty, actor=actor, reason_code=reason_code,
                              reason=reason, reference=reference, condition=Condition.SELLABLE)
    return counted.system_qty


def _locked_open(discrepancy: Discrepancy) -> Discrepancy:
    discrepancy = lock_discrepancy(discrepancy.pk, related=("product", "bin"))
    if discrepancy.status != Discrepancy.Status.OPEN:
        raise Conflict(f"D-{discrepancy.pk} is already resolved ({discrepancy.get_resolution_display().lower()})")
    return discrepancy


def _close(discrepancy: Discrepancy, resolution: str, actor, note: str) -> Discrepancy:
    return discrepancy_transition(discrepancy=discrepancy, to=Discrepancy.Status.RESOLVED, actor=actor, extra={
        "resolution": resolution, "resolution_note": note[:255],
        "resolved_by": actor if getattr(actor, "pk", None) else None, "resolved_at": timezone.now(),
    })
