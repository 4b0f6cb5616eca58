"""Reads for inbound: where a group of received units should go.

In order: a bin that already holds the SKU (same condition) with room for all of it, so stock stays
consolidated; else an empty bin, nearest the pack-out for fast movers (velocity from recent picks)
and farthest for slow movers, keeping the prime bins free; else any bin with room; else the bin with
the most room. Capacity counts stock in the bin plus what other open putaway tasks are bringing.
Sellable units go to storage zones, damaged or quarantined ones to a quarantine zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q, Sum
from django.utils import timezone

from inventory.models import BinStock, Condition, Movement, MovementKind
from layout.models import Bin, Zone
from layout.selectors import pack_out_point
from warehouse.models import PutawayTask

VELOCITY_DAYS = 30


@dataclass(frozen=True)
class Suggestion:
    bin: Bin
    reason: str


def zone_kind_for(condition: str) -> str:
    return Zone.Kind.STORAGE if condition == Condition.SELLABLE else Zone.Kind.QUARANTINE


def putaway_bins(warehouse_id: int, condition: str):
    return Bin.objects.filter(
        warehouse_id=warehouse_id, is_active=True, kind__in=Bin.STORAGE_KINDS, zone__kind=zone_kind_for(condition)
    )


def bin_load(warehouse_id: int, *, exclude_task_id: int | None = None) -> dict[int, int]:
    """Units in each bin plus units other open putaway tasks are bringing to it."""
    load: dict[int, int] = {}
    for row in BinStock.objects.filter(bin__warehouse_id=warehouse_id, qty__gt=0).values("bin_id").annotate(n=Sum("qty")):
        load[row["bin_id"]] = row["n"]
    incoming = (
        PutawayTask.objects.filter(warehouse_id=warehouse_id, status=PutawayTask.Status.CLAIMED, suggested_bin__isnull=False)
        .exclude(pk=exclude_task_id).values("suggested_bin_id").annotate(n=Sum(F("qty") - F("put_qty")))
    )
    for row in incoming:
        load[row["suggested_bin_id"]] = load.get(row["suggested_bin_id"], 0) + row["n"]
    return load


def units_picked_recently(product_id: int, warehouse_id: int, days: int = VELOCITY_DAYS) -> int:
    since = timezone.now() - dt.timedelta(days=days)
    picked = Movement.objects.filter(
        product_id=product_id, warehouse_id=warehouse_id, kind=MovementKind.PICK, created_at__gte=since, qty__lt=0
    ).aggregate(n=Sum("qty"))["n"]
    return -(picked or 0)


def is_fast_mover(product, warehouse_id: int) -> tuple[bool, int]:
    picked = units_picked_recently(product.pk, warehouse_id)
    per_day = getattr(settings, "PUTAWAY_FAST_MOVER_UNITS_PER_DAY", 1)
    return (product.velocity_class == "A" or picked >= per_day * VELOCITY_DAYS), picked


def suggest_putaway_bin(task: PutawayTask) -> Suggestion | None:
    need = task.remaining
    bins = list(putaway_bins(task.warehouse_id, task.condition))
    if not bins:
        return None
    load = bin_load(task.warehouse_id, exclude_task_id=task.pk)

    def room(b: Bin) -> float:
        return float("inf") if b.capacity is None else b.capacity - load.get(b.pk, 0)

    holding = dict(
        BinStock.objects.filter(product_id=task.product_id, bin__in=bins, condition=task.condition, qty__gt=0)
        .filter(Q(is_flagged=False)).values_list("bin_id").annotate(n=Sum("qty"))
    )
    same_sku = sorted((b for b in bins if b.pk in holding and room(b) >= need), key=lambda b: (-holding[b.pk], b.pick_sequence))
    if same_sku:
        best = same_sku[0]
        return Suggestion(best, f"same SKU already here ({holding[best.pk]} units), room for {_room_words(room(best))}")
    px, py = pack_out_point(task.warehouse_id)

    def distance(b: Bin) -> float:
        return abs(b.walk_x - px) + abs(b.walk_y - py)

    fast, picked = is_fast_mover(task.product, task.warehouse_id)
    empty = [b for b in bins if load.get(b.pk, 0) == 0 and room(b) >= need]
    if empty:
        if fast:
            best = min(empty, key=lambda b: (distance(b), b.pick_sequence))
            return Suggestion(best, f"fast mover ({picked} picked in {VELOCITY_DAYS} days): empty bin nearest pack-out")
        best = max(empty, key=lambda b: (distance(b), -b.pick_sequence))
        return Suggestion(best, f"slow mover ({picked} picked in {VELOCITY_DAYS} days): empty bin away from pack-out")
    fitting = [b for b in bins if room(b) >= need]
    if fitting:
        best = min(fitting, key=lambda b: (distance(b) if fast else -distance(b), b.pick_sequence))
        return Suggestion(best, f"shared bin with room for {_room_words(room(best))}")
    roomy = [b for b in bins if room(b) > 0]
    if roomy:
        best = max(roomy, key=lambda b: room(b))
        return Suggestion(best, f"no bin fits all {need}: room for {int(room(best))} here, put the rest elsewhere")
    return None


def _room_words(room: float) -> str:
    return "any quantity" if room == float("inf") else f"{int(room)} more"
