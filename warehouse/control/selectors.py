"""Reads for inventory control: what a bin under a discrepancy saw. Writes live in
`warehouse.control.services`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from inventory.models import BinStock, Condition, Movement, MovementKind
from warehouse.models import Discrepancy

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
