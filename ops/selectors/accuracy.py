"""Accuracy and throughput: picks that failed or were packed wrong, counts that matched, lines and orders per hour."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncHour

from ops.selectors.aggregates import hours, ratio
from ops.selectors.sla import fulfillments_shipped
from ops.selectors.windows import DEFAULT_WINDOW, Window, window_bounds
from warehouse.models import CountTask, Pack, PickLine, PickSession, StationScan
from warehouse.models.picking import PickLineStatus, PickSessionStatus

ORDER_ACCURACY_YARDSTICK = 0.995  # the seeds' target: 99.5% of orders right
PACK_MISMATCH_PREFIX = "wrong item"  # how the pack station refuses an item that is not in the order


def lines_picked(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                 now: dt.datetime | None = None) -> QuerySet[PickLine]:
    """Pick lines worked to an end (picked or failed) in pick sessions completed in the window."""
    w = window_bounds(window, now=now)
    rows = PickLine.objects.filter(status__in=[PickLineStatus.PICKED, PickLineStatus.FAILED],
                                   session__completed_at__gte=w.start, session__completed_at__lt=w.end)
    if warehouse is not None:
        rows = rows.filter(session__warehouse=warehouse)
    if merchant is not None:
        rows = rows.filter(product__merchant=merchant)
    return rows


def pick_failures(**scope) -> QuerySet[PickLine]:
    return lines_picked(**scope).filter(failed_qty__gt=0)


def pack_mismatches(*, warehouse=None, window: str | Window = DEFAULT_WINDOW, now: dt.datetime | None = None,
                    merchant=None) -> QuerySet[StationScan]:
    """Items scanned at pack-out that were not in the order. A scan names no facility: for one facility, the
    scans of the people who packed there in the window count."""
    w = window_bounds(window, now=now)
    rows = StationScan.objects.filter(station="pack", ok=False, message__istartswith=PACK_MISMATCH_PREFIX,
                                      created_at__gte=w.start, created_at__lt=w.end)
    if warehouse is not None:
        # Read first (a handful of ids): as a subquery, PostgreSQL may re-run it for every refused scan.
        packers = list(Pack.objects.filter(warehouse=warehouse, started_at__lt=w.end, packer__isnull=False)
                       .order_by().values_list("packer_id", flat=True).distinct())
        rows = rows.filter(user_id__in=packers)
    return rows


def pick_accuracy(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                  now: dt.datetime | None = None) -> dict:
    """1 - (pick failures + pack-out mismatches) / lines picked, against the 99.5% yardstick."""
    w = window_bounds(window, now=now)
    row = lines_picked(warehouse=warehouse, merchant=merchant, window=w).aggregate(
        lines=Count("pk"), failures=Count("pk", filter=Q(failed_qty__gt=0)))
    mismatches = 0 if merchant is not None else pack_mismatches(warehouse=warehouse, window=w).count()
    errors = row["failures"] + mismatches
    accuracy = round(1 - errors / row["lines"], 4) if row["lines"] else None
    return {"lines": row["lines"], "failures": row["failures"], "mismatches": mismatches, "errors": errors,
            "accuracy": accuracy, "yardstick": ORDER_ACCURACY_YARDSTICK,
            "meets": accuracy is not None and accuracy >= ORDER_ACCURACY_YARDSTICK}


def counts_done(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                now: dt.datetime | None = None) -> QuerySet[CountTask]:
    w = window_bounds(window, now=now)
    rows = CountTask.objects.filter(status=CountTask.Status.DONE, counted_at__gte=w.start, counted_at__lt=w.end,
                                    counted_qty__isnull=False, system_qty__isnull=False)
    if warehouse is not None:
        rows = rows.filter(warehouse=warehouse)
    if merchant is not None:
        rows = rows.filter(product__merchant=merchant)
    return rows


def inventory_accuracy(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                       now: dt.datetime | None = None) -> dict:
    """Counts done in the window whose counted quantity matched the system's, and the units off in all."""
    row = counts_done(warehouse=warehouse, merchant=merchant, window=window, now=now).aggregate(
        counts=Count("pk"), matched=Count("pk", filter=Q(counted_qty=F("system_qty"))),
        units_over=Sum(F("counted_qty") - F("system_qty"), filter=Q(counted_qty__gt=F("system_qty"))),
        units_short=Sum(F("system_qty") - F("counted_qty"), filter=Q(counted_qty__lt=F("system_qty"))))
    return {"counts": row["counts"], "matched": row["matched"], "accuracy": ratio(row["matched"], row["counts"]),
            "units_over": row["units_over"] or 0, "units_short": row["units_short"] or 0}


def picker_throughput(*, warehouse=None, window: str | Window = DEFAULT_WINDOW, now: dt.datetime | None = None) -> list[dict]:
    """Per picker: sessions and lines picked in the window, hours spent in them (claim to completion), lines/h."""
    w = window_bounds(window, now=now)
    sessions = PickSession.objects.filter(status=PickSessionStatus.DONE, completed_at__gte=w.start,
                                          completed_at__lt=w.end, picker__isnull=False, claimed_at__isnull=False)
    if warehouse is not None:
        sessions = sessions.filter(warehouse=warehouse)
    spent = ExpressionWrapper(F("completed_at") - F("claimed_at"), output_field=DurationField())
    time_rows = {row["picker_id"]: row for row in sessions.values("picker_id", "picker__username")
                 .annotate(sessions=Count("pk"), spent=Sum(spent)).order_by()}
    lines = dict(lines_picked(warehouse=warehouse, window=w).filter(status=PickLineStatus.PICKED,
                                                                    session__picker__isnull=False,
                                                                    session__claimed_at__isnull=False)
                 .values_list("session__picker_id").annotate(n=Count("pk")).order_by())
    rows = []
    for picker_id, row in time_rows.items():
        spent_hours = hours(row["spent"]) or 0
        n = lines.get(picker_id, 0)
        rows.append({"picker_id": picker_id, "picker": row["picker__username"], "sessions": row["sessions"],
                     "lines": n, "hours": spent_hours,
                     "lines_per_hour": round(n / spent_hours, 1) if spent_hours else None})
    return sorted(rows, key=lambda r: (-(r["lines_per_hour"] or 0), r["picker"]))


def facility_throughput(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                        now: dt.datetime | None = None) -> dict:
    """Lines picked and fulfillment orders shipped in the window, per hour of the window, and as a series
    (hourly for today, daily otherwise) for the charts."""
    w = window_bounds(window, now=now)
    trunc = TruncHour if w.name == "today" else TruncDay
    picked = lines_picked(warehouse=warehouse, merchant=merchant, window=w).filter(status=PickLineStatus.PICKED)
    shipped = fulfillments_shipped(warehouse=warehouse, merchant=merchant, window=w)
    line_series = dict(picked.annotate(at=trunc("session__completed_at")).values_list("at").annotate(n=Count("pk"))
                       .order_by())
    ship_series = dict(shipped.annotate(at=trunc("shipped_at")).values_list("at").annotate(n=Count("pk")).order_by())
    lines_total, shipped_total = sum(line_series.values()), sum(ship_series.values())
    buckets = sorted(set(line_series) | set(ship_series))
    return {
        "lines": lines_total, "shipped": shipped_total,
        "lines_per_hour": round(lines_total / w.hours, 2), "shipped_per_hour": round(shipped_total / w.hours, 2),
        "series": [{"at": at, "lines": line_series.get(at, 0), "shipped": ship_series.get(at, 0)} for at in buckets],
        "hourly": w.name == "today",
    }
