"""Accuracy and throughput: picks that failed or were packed wrong, counts that matched, lines and orders per hour."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncHour

from ops.models import PackMismatchDay, PickerDay, PickingDay, ShippingDay
from ops.selectors.aggregates import hours, ratio
from ops.selectors.sla import _scoped
from ops.selectors.windows import (
    DEFAULT_WINDOW,
    Window,
    WindowParts,
    day_start,
    memo,
    window_bounds,
    window_parts,
)
from orders.models import FulfillmentOrder, FulfillmentStatus
from warehouse.models import CountTask, Pack, PickLine, PickSession, StationScan
from warehouse.models.picking import PickLineStatus, PickSessionStatus

ORDER_ACCURACY_YARDSTICK = 0.995  # the seeds' target: 99.5% of orders right
PACK_MISMATCH_PREFIX = "wrong item"  # how the pack station refuses an item that is not in the order


def _lines_worked(completed: Q, *, warehouse=None, merchant=None) -> QuerySet[PickLine]:
    rows = PickLine.objects.filter(completed, status__in=[PickLineStatus.PICKED, PickLineStatus.FAILED])
    if warehouse is not None:
        rows = rows.filter(session__warehouse=warehouse)
    if merchant is not None:
        rows = rows.filter(product__merchant=merchant)
    return rows


def lines_picked(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                 now: dt.datetime | None = None) -> QuerySet[PickLine]:
    """Pick lines worked to an end (picked or failed) in pick sessions completed in the window."""
    w = window_bounds(window, now=now)
    return _lines_worked(Q(session__completed_at__gte=w.start, session__completed_at__lt=w.end),
                         warehouse=warehouse, merchant=merchant)


def _count(q: Q) -> Count:
    return Count("pk", filter=q) if q else Count("pk")


def _live_lines(w: Window, parts: WindowParts, *, warehouse=None, merchant=None) -> list[dict]:
    """The live part of the window's pick lines worked to an end, read once per window and scope (the accuracy
    page's pick accuracy, pickers and throughput series all come from it): per picker (None: no picker) and
    bucket (the hour for today, else the day the session completed), the lines, failures and lines picked of
    the merchant's products, and the lines picked in claimed sessions of every merchant's products (a
    picker's throughput does not depend on the merchant filter)."""
    live_q = parts.live_q("session__completed_at")
    if live_q is None:
        return []

    def read() -> list[dict]:
        trunc = TruncHour if w.name == "today" else TruncDay
        mine = Q(product__merchant=merchant) if merchant is not None else Q()
        picked = Q(status=PickLineStatus.PICKED)
        return [dict(row) for row in _lines_worked(live_q, warehouse=warehouse)
                    .annotate(at=trunc("session__completed_at")).values("session__picker_id", "at")
                    .annotate(lines=_count(mine), failures=_count(mine & Q(failed_qty__gt=0)),
                              picked=_count(mine & picked),
                              picker_lines=_count(picked & Q(session__claimed_at__isnull=False)))
                    .order_by()]

    return memo(w, ("live_lines", getattr(warehouse, "pk", None), getattr(merchant, "pk", None)), read)


def _live_picker_lines(w: Window, parts: WindowParts, *, warehouse=None) -> list[dict]:
    """The live lines for the pickers' figures: any merchant scope's read of the facility will do (the picker
    counts ignore the merchant), else the facility's lines read now."""
    facility = getattr(warehouse, "pk", None)
    for key, rows in w.__dict__.get("_memo", {}).items():
        if key[:2] == ("live_lines", facility):
            return rows
    return _live_lines(w, parts, warehouse=warehouse)


def _rolled(model, days: tuple[dt.date, ...], *, warehouse=None, merchant=None) -> QuerySet:
    rows = model.objects.filter(day__in=days)
    if warehouse is not None:
        rows = rows.filter(warehouse=warehouse)
    if merchant is not None:
        rows = rows.filter(merchant=merchant)
    return rows


def pick_failures(**scope) -> QuerySet[PickLine]:
    return lines_picked(**scope).filter(failed_qty__gt=0)


def _packers(warehouse, w: Window) -> list[int]:
    # Read first (a handful of ids): as a subquery, PostgreSQL may re-run it for every refused scan.
    return list(Pack.objects.filter(warehouse=warehouse, started_at__lt=w.end, packer__isnull=False)
                .order_by().values_list("packer_id", flat=True).distinct())


def _mismatch_scans(created: Q) -> QuerySet[StationScan]:
    return StationScan.objects.filter(created, station="pack", ok=False, message__istartswith=PACK_MISMATCH_PREFIX)


def pack_mismatches(*, warehouse=None, window: str | Window = DEFAULT_WINDOW, now: dt.datetime | None = None,
                    merchant=None) -> QuerySet[StationScan]:
    """Items scanned at pack-out that were not in the order. A scan names no facility: for one facility, the
    scans of the people who packed there in the window count."""
    w = window_bounds(window, now=now)
    rows = _mismatch_scans(Q(created_at__gte=w.start, created_at__lt=w.end))
    if warehouse is not None:
        rows = rows.filter(user_id__in=_packers(warehouse, w))
    return rows


def _mismatch_count(*, warehouse, w: Window, parts: WindowParts) -> int:
    packers = _packers(warehouse, w) if warehouse is not None else None
    total = 0
    if parts.days:
        rolled = PackMismatchDay.objects.filter(day__in=parts.days)
        if packers is not None:
            rolled = rolled.filter(user_id__in=packers)
        total += rolled.aggregate(n=Coalesce(Sum("mismatches"), 0))["n"]
    live_q = parts.live_q("created_at")
    if live_q is not None:
        live = _mismatch_scans(live_q)
        if packers is not None:
            live = live.filter(user_id__in=packers)
        total += live.count()
    return total


def pick_accuracy(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                  now: dt.datetime | None = None) -> dict:
    """1 - (pick failures + pack-out mismatches) / lines picked, against the 99.5% yardstick. Closed days come
    from the daily rollups, the rest of the window live."""
    w = window_bounds(window, now=now)
    parts = window_parts(w)
    lines = failures = 0
    if parts.days:
        row = _rolled(PickingDay, parts.days, warehouse=warehouse, merchant=merchant).aggregate(
            lines=Coalesce(Sum("lines"), 0), failures=Coalesce(Sum("failures"), 0))
        lines, failures = row["lines"], row["failures"]
    for row in _live_lines(w, parts, warehouse=warehouse, merchant=merchant):
        lines, failures = lines + row["lines"], failures + row["failures"]
    mismatches = 0 if merchant is not None else _mismatch_count(warehouse=warehouse, w=w, parts=parts)
    errors = failures + mismatches
    accuracy = round(1 - errors / lines, 4) if lines else None
    return {"lines": lines, "failures": failures, "mismatches": mismatches, "errors": errors,
            "accuracy": accuracy, "yardstick": ORDER_ACCURACY_YARDSTICK,
            "meets": accuracy is not None and accuracy >= ORDER_ACCURACY_YARDSTICK}


def counts_done(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                now: dt.datetime | None = None) -> QuerySet[CountTask]:
    """Blind counts made in the window (approved or waiting for approval); rejected ones were judged miscounts
    and recounted, so they do not count."""
    w = window_bounds(window, now=now)
    rows = CountTask.objects.filter(status__in=[CountTask.Status.DONE, CountTask.Status.REVIEW],
                                    counted_at__gte=w.start, counted_at__lt=w.end,
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
    """Per picker: sessions and lines picked in the window, hours spent in them (claim to completion), lines/h.
    Closed days come from the daily rollups, the rest of the window live."""
    w = window_bounds(window, now=now)
    parts = window_parts(w)
    totals: dict[int, dict] = {}

    def add(picker_id: int, username: str | None, *, sessions: int = 0, spent: dt.timedelta | None = None,
            lines: int = 0) -> None:
        row = totals.setdefault(picker_id, {"picker": username, "sessions": 0, "spent": dt.timedelta(), "lines": 0})
        row["picker"] = row["picker"] or username
        row["sessions"] += sessions
        row["spent"] += spent or dt.timedelta()
        row["lines"] += lines

    if parts.days:
        for r in (_rolled(PickerDay, parts.days, warehouse=warehouse).values("picker_id", "picker__username")
                  .annotate(sessions=Sum("sessions"), spent_us=Sum("spent_us"), lines=Sum("lines")).order_by()):
            add(r["picker_id"], r["picker__username"], sessions=r["sessions"],
                spent=dt.timedelta(microseconds=r["spent_us"]), lines=r["lines"])
    live_q = parts.live_q("session__completed_at")
    if live_q is not None:
        sessions = PickSession.objects.filter(parts.live_q("completed_at"), status=PickSessionStatus.DONE, picker__isnull=False,
                                              claimed_at__isnull=False)
        if warehouse is not None:
            sessions = sessions.filter(warehouse=warehouse)
        spent = ExpressionWrapper(F("completed_at") - F("claimed_at"), output_field=DurationField())
        for r in sessions.values("picker_id", "picker__username").annotate(sessions=Count("pk"), spent=Sum(spent)).order_by():
            add(r["picker_id"], r["picker__username"], sessions=r["sessions"], spent=r["spent"])
        for row in _live_picker_lines(w, parts, warehouse=warehouse):
            if row["session__picker_id"] is not None and row["picker_lines"]:
                add(row["session__picker_id"], None, lines=row["picker_lines"])
    rows = []
    for picker_id, row in totals.items():
        if not row["sessions"]:
            continue  # lines in sessions never done: no time to set them against
        spent_hours = hours(row["spent"]) or 0
        n = row["lines"]
        rows.append({"picker_id": picker_id, "picker": row["picker"], "sessions": row["sessions"],
                     "lines": n, "hours": spent_hours,
                     "lines_per_hour": round(n / spent_hours, 1) if spent_hours else None})
    return sorted(rows, key=lambda r: (-(r["lines_per_hour"] or 0), r["picker"]))


def facility_throughput(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                        now: dt.datetime | None = None) -> dict:
    """Lines picked and fulfillment orders shipped in the window, per hour of the window, and as a series
    (hourly for today, daily otherwise) for the charts. Closed days come from the daily rollups."""
    w = window_bounds(window, now=now)
    parts = window_parts(w)
    trunc = TruncHour if w.name == "today" else TruncDay
    line_series: dict[dt.datetime, int] = {}
    ship_series: dict[dt.datetime, int] = {}
    if parts.days:
        for day, n in (_rolled(PickingDay, parts.days, warehouse=warehouse, merchant=merchant)
                       .values_list("day").annotate(n=Sum("picked")).order_by()):
            if n:  # live, a day without a picked line has no point in the series
                line_series[day_start(day)] = n
        for day, n in (_rolled(ShippingDay, parts.days, warehouse=warehouse, merchant=merchant)
                       .values_list("day").annotate(n=Sum("shipped")).order_by()):
            if n:
                ship_series[day_start(day)] = n
    for row in _live_lines(w, parts, warehouse=warehouse, merchant=merchant):
        if row["picked"]:  # a bucket without a picked line has no point in the series
            line_series[row["at"]] = line_series.get(row["at"], 0) + row["picked"]
    live_ships = parts.live_q("shipped_at")
    if live_ships is not None:
        shipped = _scoped(FulfillmentOrder.objects.filter(live_ships, status=FulfillmentStatus.SHIPPED),
                          warehouse=warehouse, merchant=merchant)
        for at, n in shipped.annotate(at=trunc("shipped_at")).values_list("at").annotate(n=Count("pk")).order_by():
            ship_series[at] = ship_series.get(at, 0) + n
    lines_total, shipped_total = sum(line_series.values()), sum(ship_series.values())
    buckets = sorted(set(line_series) | set(ship_series))
    return {
        "lines": lines_total, "shipped": shipped_total,
        "lines_per_hour": round(lines_total / w.hours, 2), "shipped_per_hour": round(shipped_total / w.hours, 2),
        "series": [{"at": at, "lines": line_series.get(at, 0), "shipped": ship_series.get(at, 0)} for at in buckets],
        "hourly": w.name == "today",
    }
