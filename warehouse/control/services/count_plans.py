"""Raising count tasks: by the schedule (velocity classes) and by a manager (a bin, a SKU's bins, a zone).

A discrepancy raises its own recount (`discrepancies.discrepancy_resolve`). All three meet one rule in the
database: one active count per product and bin (`count_task_one_active_per_product_bin`), so tasks are
inserted with ON CONFLICT DO NOTHING and a raise that finds a count already waiting skips that pair.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError
from inventory.models import BinStock, Condition, Product
from layout.models import Bin, Warehouse, Zone
from warehouse.control.selectors import count_policy_for, velocity_classes
from warehouse.models import CountTask
from warehouse.models.counts import ACTIVE_COUNT_STATUSES


class CountRequestRefused(DomainError):
    code = "count_request_refused"


@dataclass(frozen=True)
class CountsRaised:
    created: int
    skipped: int  # pairs that already had a count waiting

    @property
    def message(self) -> str:
        skipped = f"; {self.skipped} already waiting" if self.skipped else ""
        return f"{self.created} count task(s) raised{skipped}"


def _stocked_pairs(warehouse: Warehouse, **scope) -> list[tuple[int, int]]:
    """(product_id, bin_id) of sellable stock on the warehouse's storage shelves within `scope`."""
    return list(
        BinStock.objects.filter(warehouse=warehouse, qty__gt=0, condition=Condition.SELLABLE,
                                bin__kind__in=Bin.STORAGE_KINDS, **scope)
        .values_list("product_id", "bin_id").distinct().order_by("product_id", "bin_id")
    )


def _insert(warehouse: Warehouse, pairs: list[tuple[int, int]], **fields) -> CountsRaised:
    active = set(CountTask.objects.filter(warehouse=warehouse, status__in=ACTIVE_COUNT_STATUSES)
                 .values_list("product_id", "bin_id"))
    wanted = [pair for pair in pairs if pair not in active]
    before = CountTask.objects.filter(warehouse=warehouse).count()
    CountTask.objects.bulk_create(
        [CountTask(warehouse=warehouse, product_id=p, bin_id=b, **fields) for p, b in wanted], ignore_conflicts=True)
    created = CountTask.objects.filter(warehouse=warehouse).count() - before
    return CountsRaised(created=created, skipped=len(pairs) - created)


@transaction.atomic
def count_request(*, warehouse: Warehouse, actor, reason: str = "", bin: Bin | None = None,
                  product: Product | None = None, zone: Zone | None = None) -> CountsRaised:
    """A manager asks for a count of one bin (every product in it), one SKU (all its bins) or one zone."""
    given = [name for name, value in (("bin", bin), ("SKU", product), ("zone", zone)) if value is not None]
    if len(given) != 1:
        raise CountRequestRefused("name exactly one of a bin, a SKU or a zone to count")
    if bin is not None and bin.warehouse_id != warehouse.pk:
        raise CountRequestRefused(f"bin {bin.code} is not in warehouse {warehouse.code}")
    if zone is not None and zone.warehouse_id != warehouse.pk:
        raise CountRequestRefused(f"zone {zone.code} is not in warehouse {warehouse.code}")
    scope = {"bin": bin} if bin is not None else {"product": product} if product is not None else {"bin__zone": zone}
    pairs = _stocked_pairs(warehouse, **scope)
    what = (f"bin {bin.code}" if bin is not None else f"SKU {product.sku}" if product is not None
            else f"zone {zone.code if zone is not None else ''}")
    if not pairs:
        raise CountRequestRefused(f"{what} holds no sellable stock on a storage shelf in {warehouse.code}: nothing to count")
    return _insert(warehouse, pairs, source=CountTask.Source.MANAGER,
                   reason=f"Requested: {what}. {reason}".strip()[:255],
                   created_by=actor if getattr(actor, "pk", None) else None)


@transaction.atomic
def count_schedule_due(*, warehouse: Warehouse, now: dt.datetime | None = None) -> CountsRaised:
    """Raise the counts that are due: each product in each bin is counted every `every_days` of its velocity
    class (A most often), measured from its last finished count. At most `max_per_day` scheduled counts per
    day, A first, then the longest uncounted; a pair with a count waiting is skipped. Safe to run twice."""
    now = now or timezone.now()
    policy = count_policy_for(warehouse.pk)
    classes = velocity_classes(warehouse_id=warehouse.pk, policy=policy, now=now)
    last = {
        (row["product_id"], row["bin_id"]): row["at"]
        for row in CountTask.objects.filter(warehouse=warehouse, status=CountTask.Status.DONE)
        .values("product_id", "bin_id").annotate(at=Max("counted_at"))
    }
    active = set(CountTask.objects.filter(warehouse=warehouse, status__in=ACTIVE_COUNT_STATUSES)
                 .values_list("product_id", "bin_id"))
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    due = []
    for product_id, bin_id in _stocked_pairs(warehouse):
        velocity = classes.get(product_id, "C")
        counted_at = last.get((product_id, bin_id))
        if (product_id, bin_id) in active:
            continue
        if counted_at is None or counted_at <= now - dt.timedelta(days=policy.every_days(velocity)):
            due.append((velocity, counted_at or oldest, product_id, bin_id))
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    raised_today = CountTask.objects.filter(warehouse=warehouse, source=CountTask.Source.SCHEDULED,
                                            created_at__gte=start_of_day).count()
    room = max(policy.max_per_day - raised_today, 0)
    due.sort()
    created = skipped = 0
    for velocity in ("A", "B", "C"):
        batch = [(p, b) for v, _, p, b in due if v == velocity][:room - created]
        if not batch:
            continue
        raised = _insert(warehouse, batch, source=CountTask.Source.SCHEDULED, velocity_class=velocity,
                         reason=f"Scheduled: class {velocity}, every {policy.every_days(velocity)} days")
        created, skipped = created + raised.created, skipped + raised.skipped
    return CountsRaised(created=created, skipped=skipped)


def count_schedules_due_all(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily run: every active warehouse's due counts, each warehouse in its own transaction."""
    return {warehouse.code: count_schedule_due(warehouse=warehouse, now=now).created
            for warehouse in Warehouse.objects.filter(is_active=True).order_by("pk")}
