"""The dashboards' daily rollups: closed days summed once, so a 30-day figure reads a few hundred rows; and a
snapshot of each facility's stock volume for the capacity dashboard.

`refresh_rollups` recomputes whole closed days (in the time zone the dashboard windows use) and replaces their rows;
running it again gives the same rows. Each run recomputes the last two closed days (late scans, a session completed
just before midnight and recorded after it) and any day of the horizon not rolled up yet."""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from layout.models import Warehouse
from ops.models import PackMismatchDay, PickerDay, PickingDay, RollupDay, ShippingDay, StockVolume
from ops.selectors.accuracy import PACK_MISMATCH_PREFIX
from ops.selectors.aggregates import Microseconds, order_to_ship
from ops.selectors.capacity import stock_volumes, zone_stock
from ops.selectors.windows import day_start
from orders.models import FulfillmentOrder, FulfillmentStatus
from warehouse.models import PickLine, PickSession, StationScan
from warehouse.models.picking import PickLineStatus, PickSessionStatus

RECOMPUTE_DAYS = 2  # closed days recomputed on every run, so late events land
HORIZON_DAYS = 31  # the longest window (30 days) and the part of the day it starts in
ROLLUP_LOCK_NAMESPACE = 7302  # pg advisory lock namespace: one refresh at a time


def _days_to_refresh(today: dt.date, days: int | None) -> list[dt.date]:
    if days is not None:
        if days < 1:
            raise ValueError("days must be at least 1")
        return [today - dt.timedelta(days=n) for n in range(days, 0, -1)]
    horizon = [today - dt.timedelta(days=n) for n in range(HORIZON_DAYS, 0, -1)]
    done = set(RollupDay.objects.filter(day__in=horizon).values_list("day", flat=True))
    recent = set(horizon[-RECOMPUTE_DAYS:])
    return [day for day in horizon if day in recent or day not in done]


def _spans(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) runs, so each run is one range scan per table."""
    spans: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if spans and spans[-1][1] + dt.timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _shipping_rows(start: dt.datetime, end: dt.datetime) -> list[ShippingDay]:
    rows = (FulfillmentOrder.objects.filter(status=FulfillmentStatus.SHIPPED, shipped_at__gte=start, shipped_at__lt=end)
            .annotate(day=TruncDate("shipped_at"), took=Microseconds(order_to_ship()))
            .values("day", "warehouse_id", "order__merchant_id")
            .annotate(shipped=Count("pk"),
                      on_time=Count("pk", filter=Q(ship_by__isnull=True) | Q(shipped_at__lte=F("ship_by"))),
                      took_us=ArrayAgg("took", order_by="took"))
            .order_by())
    return [ShippingDay(day=r["day"], warehouse_id=r["warehouse_id"], merchant_id=r["order__merchant_id"],
                        shipped=r["shipped"], on_time=r["on_time"], took_us=r["took_us"]) for r in rows]


def _picking_rows(start: dt.datetime, end: dt.datetime) -> list[PickingDay]:
    rows = (PickLine.objects.filter(status__in=[PickLineStatus.PICKED, PickLineStatus.FAILED],
                                    session__completed_at__gte=start, session__completed_at__lt=end)
            .annotate(day=TruncDate("session__completed_at"))
            .values("day", "session__warehouse_id", "product__merchant_id")
            .annotate(lines=Count("pk"), failures=Count("pk", filter=Q(failed_qty__gt=0)),
                      picked=Count("pk", filter=Q(status=PickLineStatus.PICKED)))
            .order_by())
    return [PickingDay(day=r["day"], warehouse_id=r["session__warehouse_id"], merchant_id=r["product__merchant_id"],
                       lines=r["lines"], failures=r["failures"], picked=r["picked"]) for r in rows]


def _picker_rows(start: dt.datetime, end: dt.datetime) -> list[PickerDay]:
    spent = ExpressionWrapper(F("completed_at") - F("claimed_at"), output_field=DurationField())
    sessions = (PickSession.objects.filter(status=PickSessionStatus.DONE, completed_at__gte=start, completed_at__lt=end,
                                           picker__isnull=False, claimed_at__isnull=False)
                .annotate(day=TruncDate("completed_at")).values("day", "warehouse_id", "picker_id")
                .annotate(sessions=Count("pk"), spent_us=Microseconds(Sum(spent))).order_by())
    lines = (PickLine.objects.filter(status=PickLineStatus.PICKED, session__completed_at__gte=start,
                                     session__completed_at__lt=end, session__picker__isnull=False,
                                     session__claimed_at__isnull=False)
             .annotate(day=TruncDate("session__completed_at"))
             .values_list("day", "session__warehouse_id", "session__picker_id").annotate(n=Count("pk")).order_by())
    rows: dict[tuple, PickerDay] = {}
    for r in sessions:
        key = (r["day"], r["warehouse_id"], r["picker_id"])
        rows[key] = PickerDay(day=key[0], warehouse_id=key[1], picker_id=key[2], sessions=r["sessions"],
                              spent_us=r["spent_us"] or 0, lines=0)
    for day, warehouse_id, picker_id, n in lines:
        key = (day, warehouse_id, picker_id)
        row = rows.setdefault(key, PickerDay(day=day, warehouse_id=warehouse_id, picker_id=picker_id, sessions=0,
                                             spent_us=0, lines=0))
        row.lines = n
    return list(rows.values())


def _mismatch_rows(start: dt.datetime, end: dt.datetime) -> list[PackMismatchDay]:
    rows = (StationScan.objects.filter(station="pack", ok=False, message__istartswith=PACK_MISMATCH_PREFIX,
                                       created_at__gte=start, created_at__lt=end)
            .annotate(day=TruncDate("created_at")).values("day", "user_id").annotate(n=Count("pk")).order_by())
    return [PackMismatchDay(day=r["day"], user_id=r["user_id"], mismatches=r["n"]) for r in rows]


def refresh_rollups(*, days: int | None = None, now: dt.datetime | None = None) -> dict:
    """Recompute the rollups of closed days and mark them done: the last `days` closed days, or (None) the last
    two plus any day of the last 31 not rolled up yet. Idempotent; one refresh at a time (advisory lock)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    began = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [ROLLUP_LOCK_NAMESPACE])
        refresh = _days_to_refresh(today, days)
        written = {"shipping": 0, "picking": 0, "pickers": 0, "mismatches": 0}
        for first, last in _spans(refresh):
            start, end = day_start(first), day_start(last + dt.timedelta(days=1))
            for model in (ShippingDay, PickingDay, PickerDay, PackMismatchDay):
                model.objects.filter(day__gte=first, day__lte=last).delete()
            shipping, picking = _shipping_rows(start, end), _picking_rows(start, end)
            pickers, mismatches = _picker_rows(start, end), _mismatch_rows(start, end)
            ShippingDay.objects.bulk_create(shipping, batch_size=2000)
            PickingDay.objects.bulk_create(picking, batch_size=2000)
            PickerDay.objects.bulk_create(pickers, batch_size=2000)
            PackMismatchDay.objects.bulk_create(mismatches, batch_size=2000)
            for key, rows in (("shipping", shipping), ("picking", picking), ("pickers", pickers),
                              ("mismatches", mismatches)):
                written[key] += len(rows)
        facilities = list(Warehouse.objects.filter(is_active=True).values_list("pk", flat=True))
        volumes, zones = stock_volumes(facilities), zone_stock(facilities)
        empty: dict = {}
        StockVolume.objects.bulk_create(
            [StockVolume(warehouse_id=pk, units=volumes.get(pk, empty).get("units") or 0,
                         volume_mm3=volumes.get(pk, empty).get("volume") or 0,
                         capped_units=volumes.get(pk, empty).get("capped") or 0,
                         zones={str(zone_id): row for zone_id, row in zones.get(pk, empty).items()},
                         taken_at=timezone.now())
             for pk in facilities],  # a facility holding nothing too: its snapshot says so
            update_conflicts=True, unique_fields=["warehouse"],
            update_fields=["units", "volume_mm3", "capped_units", "zones", "taken_at"])
        StockVolume.objects.exclude(warehouse_id__in=facilities).delete()
        RollupDay.objects.bulk_create([RollupDay(day=day, refreshed_at=now) for day in refresh], update_conflicts=True,
                                      unique_fields=["day"], update_fields=["refreshed_at"])
    return {"days": len(refresh), "first": refresh[0] if refresh else None, "last": refresh[-1] if refresh else None,
            "rows": written, "seconds": round(time.perf_counter() - began, 2)}

