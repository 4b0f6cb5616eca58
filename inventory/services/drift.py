"""Drift check: recompute invariants 1 and 2 (and the allocated / unavailable counters) for every
product x warehouse and record a finding for each mismatch."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F, Q, Sum

from inventory.models import BinStock, Condition, DriftFinding, Movement, Reservation, StockLevel


def drift_check() -> list[DriftFinding]:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # one snapshot for every sum, so concurrent stock work cannot look like drift
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _check()


def _check() -> list[DriftFinding]:
    run = uuid.uuid4()
    recorded: dict[tuple[int, int], StockLevel] = {
        (level.product_id, level.warehouse_id): level for level in StockLevel.objects.all().iterator()
    }
    sums: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for row in BinStock.objects.values("product_id", "warehouse_id").annotate(
        total=Sum("qty"), unusable=Sum("qty", filter=Q(is_flagged=True) | ~Q(condition=Condition.SELLABLE))
    ):
        key = (row["product_id"], row["warehouse_id"])
        sums[DriftFinding.Kind.BIN_SUM][key] = row["total"] or 0
        sums[DriftFinding.Kind.UNAVAILABLE][key] = row["unusable"] or 0
    for row in Movement.objects.values("product_id", "warehouse_id").annotate(total=Sum("qty")):
        sums[DriftFinding.Kind.LEDGER_SUM][(row["product_id"], row["warehouse_id"])] = row["total"] or 0
    for row in Reservation.objects.values("product_id", "warehouse_id").annotate(total=Sum(F("qty") + F("picked_qty"))):
        sums[DriftFinding.Kind.ALLOCATED][(row["product_id"], row["warehouse_id"])] = row["total"] or 0

    field_of = {
        DriftFinding.Kind.BIN_SUM: "on_hand",
        DriftFinding.Kind.LEDGER_SUM: "on_hand",
        DriftFinding.Kind.ALLOCATED: "allocated",
        DriftFinding.Kind.UNAVAILABLE: "unavailable",
    }
    keys = set(recorded).union(*(set(by_key) for by_key in sums.values()))
    findings = []
    for product_id, warehouse_id in sorted(keys):
        level = recorded.get((product_id, warehouse_id))
        for kind, field in field_of.items():
            want = getattr(level, field) if level else 0
            got = sums[kind].get((product_id, warehouse_id), 0)
            if want != got:
                findings.append(DriftFinding(
                    product_id=product_id, warehouse_id=warehouse_id, kind=kind, recorded=want, recomputed=got, run=run
                ))
    return DriftFinding.objects.bulk_create(findings)
