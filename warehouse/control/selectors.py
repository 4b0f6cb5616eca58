"""Reads for inventory control: what a bin under a discrepancy saw, velocity classes, the count review
queue and inventory accuracy from counts. Writes live in `warehouse.control.services`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from inventory.models import BinStock, Condition, Movement, MovementKind
from warehouse.models import CountPolicy, CountTask, Discrepancy

LAST_PUTAWAYS = 3


def discrepancies_for_output() -> QuerySet[Discrepancy]:
    return Discrepancy.objects.select_related(
        "warehouse", "product", "bin", "pick_line", "reported_by", "resolved_by").prefetch_related("count_tasks")


@dataclass
class BinHistory:
    last_count: Movement | None
    last_receipt: Movement | None
    last_putaways: list[Movement]
    last_picks: list[Movement]
    system_qty: int


def discrepancy_history(discrepancy: Discrepancy, *, picks: int = 5) -> BinHistory:
    """What the bin saw before the failure, so the cause can be found: miscounted at receiving, put away in
    the wrong bin, over-picked before."""
    return discrepancy_histories_for([discrepancy], picks=picks)[discrepancy.pk]


def discrepancy_histories_for(discrepancies: Iterable[Discrepancy], *, picks: int = 5) -> dict[int, BinHistory]:
    """`discrepancy_history` of a page of discrepancies in three queries, by discrepancy id."""
    discrepancies = list(discrepancies)
    if not discrepancies:
        return {}
    bins = reduce(or_, (Q(product_id=d.product_id, bin_id=d.bin_id) for d in discrepancies))
    warehouses = reduce(or_, (Q(product_id=d.product_id, warehouse_id=d.warehouse_id) for d in discrepancies))
    newest = [F("created_at").desc(), F("id").desc()]
    bin_moves: dict[tuple[int, int, str], list[Movement]] = defaultdict(list)
    for move in (
        Movement.objects.filter(bins, kind__in=[MovementKind.ADJUST, MovementKind.PUTAWAY, MovementKind.PICK])
        .annotate(rank=Window(RowNumber(), partition_by=[F("product_id"), F("bin_id"), F("kind")], order_by=newest))
        .filter(rank__lte=max(picks, LAST_PUTAWAYS)).select_related("actor", "bin").order_by(*newest)
    ):
        bin_moves[(move.product_id, move.bin_id, move.kind)].append(move)
    receipts = {
        (move.product_id, move.warehouse_id): move
        for move in Movement.objects.filter(warehouses, kind=MovementKind.RECEIVE)
        .annotate(rank=Window(RowNumber(), partition_by=[F("product_id"), F("warehouse_id")], order_by=newest))
        .filter(rank=1).select_related("actor", "bin")
    }
    system_qty = {
        (row["product_id"], row["bin_id"]): row["n"]
        for row in BinStock.objects.filter(bins, condition=Condition.SELLABLE).values("product_id", "bin_id")
        .annotate(n=Sum("qty"))
    }
    histories = {}
    for d in discrepancies:
        counts, putaways, picked = (bin_moves.get((d.product_id, d.bin_id, kind), [])
                                    for kind in (MovementKind.ADJUST, MovementKind.PUTAWAY, MovementKind.PICK))
        histories[d.pk] = BinHistory(
            last_count=counts[0] if counts else None,
            last_receipt=receipts.get((d.product_id, d.warehouse_id)),
            last_putaways=putaways[:LAST_PUTAWAYS],
            last_picks=picked[:picks],
            system_qty=system_qty.get((d.product_id, d.bin_id)) or 0,
        )
    return histories


# --- cycle counts -----------------------------------------------------------------------------------------

def count_policy_for(warehouse_id: int) -> CountPolicy:
    """The warehouse's count policy, or the defaults (unsaved) when it has none."""
    return CountPolicy.objects.filter(warehouse_id=warehouse_id).first() or CountPolicy(warehouse_id=warehouse_id)


def velocity_classes(*, warehouse_id: int, policy: CountPolicy, now: dt.datetime | None = None) -> dict[int, str]:
    """ABC class of every product picked in the warehouse over the policy's trailing window, by product id.

    Ranked by pick hits (one per bin row a pick took units from), most first: the products that together make
    the first `a_share_pct` % of the hits are A, up to `b_share_pct` % B, the rest C. A product not picked in
    the window is absent (class C)."""
    since = (now or timezone.now()) - dt.timedelta(days=policy.window_days)
    hits = list(
        Movement.objects.filter(warehouse_id=warehouse_id, kind=MovementKind.PICK, qty__lt=0, created_at__gte=since)
        .values("product_id").annotate(n=Count("id")).order_by("-n", "product_id").values_list("product_id", "n")
    )
    total = sum(n for _, n in hits)
    classes: dict[int, str] = {}
    running = 0
    for product_id, n in hits:
        # The class of a product is decided by where its share starts: the top product is always A.
        share_before = running * 100 / total
        classes[product_id] = "A" if share_before < policy.a_share_pct else "B" if share_before < policy.b_share_pct else "C"
        running += n
    return classes


def count_tasks_for_output() -> QuerySet[CountTask]:
    return CountTask.objects.select_related("warehouse", "bin", "product", "counted_by", "claimed_by", "reviewed_by")


def count_review_queue(*, warehouse_id: int | None = None) -> list[dict]:
    """Counts over tolerance waiting for a manager: expected against counted, and what the variance is worth
    at the product's unit cost."""
    tasks = count_tasks_for_output().filter(status=CountTask.Status.REVIEW).order_by("counted_at", "id")
    if warehouse_id is not None:
        tasks = tasks.filter(warehouse_id=warehouse_id)
    rows = []
    for task in tasks[:200]:
        variance = task.variance or 0
        rows.append({"task": task, "variance": variance,
                     "value": (task.product.unit_cost or Decimal("0")) * variance})
    return rows


def count_moved_since(task: CountTask) -> int:
    """Net units of the task's product that entered (+) or left (-) its bin since the count's snapshot."""
    if task.ledger_mark is None and task.counted_at is None:
        return 0
    moves = Movement.objects.filter(product_id=task.product_id, bin_id=task.bin_id, condition=Condition.SELLABLE)
    moves = moves.filter(id__gt=task.ledger_mark) if task.ledger_mark is not None else moves
    return moves.aggregate(n=Sum("qty"))["n"] or 0


def open_counts_by_warehouse() -> dict[int, int]:
    return dict(CountTask.objects.filter(status=CountTask.Status.OPEN).values_list("warehouse_id")
                .annotate(n=Count("id")).order_by())
