"""SLA figures per facility (and per merchant within it): what is due, what is at risk, how fast it went."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from ops.models import ShippingDay
from ops.selectors.aggregates import Microseconds, Percentile, hours, order_to_ship, ratio
from ops.selectors.windows import DEFAULT_WINDOW, Window, end_of_day, window_bounds, window_parts
from orders.models import FulfillmentOrder, FulfillmentStatus, InboxDelivery, OutboxMessage
from returns.selectors import returns_insight
from warehouse.models import Discrepancy, Receipt

S = FulfillmentStatus
# The warehouse work still ahead of a fulfillment order in each state, at a normal pace: an order whose
# ship-by is closer than this is at risk (one already past its ship-by certainly is).
WORK_AHEAD: dict[str, dt.timedelta] = {
    S.ALLOCATED: dt.timedelta(hours=4),
    S.RELEASED: dt.timedelta(hours=3),
    S.IN_WAVE: dt.timedelta(hours=2),
    S.PICKING: dt.timedelta(hours=1),
    S.PACKED: dt.timedelta(minutes=30),
}
OPEN_STATUSES = tuple(WORK_AHEAD)
ORDER_TO_SHIP_BUCKETS = ((4, "< 4 h"), (8, "4–8 h"), (24, "8–24 h"), (48, "24–48 h"), (None, "≥ 48 h"))
US_PER_HOUR = 3_600_000_000
DISCREPANCY_AGE_BUCKETS = ((1, "< 1 day"), (3, "1–3 days"), (7, "3–7 days"), (None, "≥ 7 days"))


def _scoped(queryset: QuerySet, *, warehouse=None, merchant=None, merchant_path: str = "order__merchant",
            warehouse_path: str = "warehouse") -> QuerySet:
    if warehouse is not None:
        queryset = queryset.filter(**{warehouse_path: warehouse})
    if merchant is not None:
        queryset = queryset.filter(**{merchant_path: merchant})
    return queryset


def open_fulfillments(*, warehouse=None, merchant=None) -> QuerySet[FulfillmentOrder]:
    """Outbound work not yet shipped nor cancelled, soonest ship-by first."""
    return _scoped(FulfillmentOrder.objects.filter(status__in=OPEN_STATUSES), warehouse=warehouse, merchant=merchant)


def fulfillments_due_today(*, warehouse=None, merchant=None, now: dt.datetime | None = None) -> QuerySet[FulfillmentOrder]:
    """Open work whose ship-by falls before the end of today (overdue work included)."""
    now = now or timezone.now()
    return open_fulfillments(warehouse=warehouse, merchant=merchant).filter(ship_by__lt=end_of_day(now))


def _at_risk_q(now: dt.datetime) -> Q:
    q = Q(pk__in=[])
    for status, ahead in WORK_AHEAD.items():
        q |= Q(status=status, ship_by__lt=now + ahead)
    return q


def fulfillments_at_risk(*, warehouse=None, merchant=None, now: dt.datetime | None = None) -> QuerySet[FulfillmentOrder]:
    """Open work whose ship-by is closer than the work still ahead of it (see WORK_AHEAD), or already past."""
    now = now or timezone.now()
    work_ahead = Case(*[When(status=status, then=Value(ahead)) for status, ahead in WORK_AHEAD.items()],
                      output_field=DurationField())
    return (open_fulfillments(warehouse=warehouse, merchant=merchant).filter(_at_risk_q(now))
            .annotate(work_ahead=work_ahead, time_left=ExpressionWrapper(F("ship_by") - Value(now), DurationField())))


def fulfillments_shipped(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                         now: dt.datetime | None = None) -> QuerySet[FulfillmentOrder]:
    w = window_bounds(window, now=now)
    return _scoped(FulfillmentOrder.objects.filter(status=S.SHIPPED, shipped_at__gte=w.start, shipped_at__lt=w.end),
                   warehouse=warehouse, merchant=merchant)


def _on_time_q() -> Q:
    return Q(ship_by__isnull=True) | Q(shipped_at__lte=F("ship_by"))


def fulfillments_shipped_late(**scope) -> QuerySet[FulfillmentOrder]:
    """Shipped after their ship-by (the complement of `_on_time_q` among shipped rows, written so the partial
    index `fulfillment_shipped_late` answers it)."""
    return fulfillments_shipped(**scope).filter(ship_by__isnull=False, shipped_at__gt=F("ship_by"))


def _shipping_row(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                  now: dt.datetime | None = None) -> dict:
    """Shipped, on time, and the order-to-ship mean, median, p90 and buckets over the window in one query: the
    closed days rolled up (ops.ShippingDay, whose durations are kept whole so percentiles stay exact) and the
    rest of the window live, through the same aggregates."""
    w = window_bounds(window, now=now)
    parts = window_parts(w)
    branches, params = [], []
    if parts.days:
        where, where_params = ["r.day = ANY(%s)"], [list(parts.days)]
        if warehouse is not None:
            where.append("r.warehouse_id = %s")
            where_params.append(warehouse.pk)
        if merchant is not None:
            where.append("r.merchant_id = %s")
            where_params.append(merchant.pk)
        table, condition = ShippingDay._meta.db_table, " AND ".join(where)
        branches += [f"SELECT unnest(r.took_us), 0 FROM {table} r WHERE {condition}",
                     f"SELECT NULL::bigint, r.on_time FROM {table} r WHERE {condition}"]
        params += where_params * 2
    live_q = parts.live_q("shipped_at")
    if live_q is not None:
        live = _scoped(FulfillmentOrder.objects.filter(live_q, status=S.SHIPPED), warehouse=warehouse, merchant=merchant)
        sql, live_params = (live.annotate(us=Microseconds(order_to_ship()),
                                          ot=Case(When(_on_time_q(), then=Value(1)), default=Value(0),
                                                  output_field=IntegerField()))
                            .values_list("us", "ot").order_by().query.sql_with_params())
        branches.append(sql)
        params += list(live_params)
    if not branches:  # an empty window (it ends where it starts)
        branches.append("SELECT NULL::bigint, 0 WHERE false")
    buckets, bucket_params, low = [], [], 0
    for high, _label in ORDER_TO_SHIP_BUCKETS:
        conditions = ["t.us >= %s"] if low else ["t.us IS NOT NULL"]
        bucket_params += [low * US_PER_HOUR] if low else []
        if high is not None:
            conditions.append("t.us < %s")
            bucket_params.append(high * US_PER_HOUR)
        buckets.append(f"count(*) FILTER (WHERE {' AND '.join(conditions)})")
        low = high or low
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(t.us), avg(t.us), percentile_cont(0.5) WITHIN GROUP (ORDER BY t.us::float8), "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY t.us::float8), coalesce(sum(t.ot), 0), "
            f"{', '.join(buckets)} FROM ({' UNION ALL '.join(branches)}) AS t(us, ot)",
            [*bucket_params, *params])
        n, avg, p50, p90, on_time, *counts = cursor.fetchone()
    return {"n": n, "on_time": on_time, "avg": _seconds(avg), "p50": _seconds(p50), "p90": _seconds(p90),
            **{f"b{i}": count for i, count in enumerate(counts)}}


def _seconds(us) -> float | None:
    return None if us is None else float(us) / 1_000_000


def _order_to_ship_figures(row: dict) -> dict:
    return {
        "shipped": row["n"], "avg_hours": hours(row["avg"]), "p50_hours": hours(row["p50"]),
        "p90_hours": hours(row["p90"]),
        "buckets": [(label, row[f"b{i}"]) for i, (_high, label) in enumerate(ORDER_TO_SHIP_BUCKETS)],
    }


def _on_time_figures(row: dict) -> dict:
    return {"shipped": row["n"], "on_time": row["on_time"], "late": row["n"] - row["on_time"],
            "rate": ratio(row["on_time"], row["n"])}


def on_time_ship_rate(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                      now: dt.datetime | None = None) -> dict:
    """Fulfillment orders shipped in the window, and how many left by their ship-by (none set counts as on time)."""
    return _on_time_figures(_shipping_row(warehouse=warehouse, merchant=merchant, window=window, now=now))


def order_to_ship_times(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                        now: dt.datetime | None = None) -> dict:
    """From the order being placed (or taken in) to its fulfillment order shipping: median, p90, buckets."""
    return _order_to_ship_figures(_shipping_row(warehouse=warehouse, merchant=merchant, window=window, now=now))


def shipped_figures(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                    now: dt.datetime | None = None) -> tuple[dict, dict]:
    """`on_time_ship_rate` and `order_to_ship_times` in one pass."""
    row = _shipping_row(warehouse=warehouse, merchant=merchant, window=window, now=now)
    return _on_time_figures(row), _order_to_ship_figures(row)


def receipts_stocked(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                     now: dt.datetime | None = None) -> QuerySet[Receipt]:
    w = window_bounds(window, now=now)
    return _scoped(Receipt.objects.filter(stocked_at__gte=w.start, stocked_at__lt=w.end, dock_to_stock_seconds__isnull=False),
                   warehouse=warehouse, merchant=merchant, merchant_path="purchase_order__merchant")


def dock_to_stock(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                  now: dt.datetime | None = None) -> dict:
    """Receipts fully put away in the window: average and median hours from the dock to the shelf, and how
    many took longer than their facility's dock-to-stock SLA."""
    row = receipts_stocked(warehouse=warehouse, merchant=merchant, window=window, now=now).aggregate(
        n=Count("pk"), avg=Avg("dock_to_stock_seconds"),
        p50=Percentile("dock_to_stock_seconds", 0.5, duration=False),
        over=Count("pk", filter=Q(dock_to_stock_seconds__gt=F("warehouse__sla_dock_to_stock_hours") * 3600)))
    return {"receipts": row["n"], "avg_hours": hours(row["avg"]), "p50_hours": hours(row["p50"]),
            "over_sla": row["over"]}


def returns_received_to_graded(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                               now: dt.datetime | None = None) -> dict:
    """Units graded in the window and their average hours from receipt to grade (the returns insight's figures,
    for one facility or all)."""
    w = window_bounds(window, now=now)
    rows = returns_insight(since=w.start, merchant=merchant)["grading"]
    if warehouse is not None:
        rows = [row for row in rows if row["warehouse"] == warehouse.code]
    units = sum(row["units"] for row in rows)
    weighted = sum(row["units"] * row["avg_hours"] for row in rows if row["avg_hours"] is not None)
    return {"units": units, "avg_hours": round(weighted / units, 2) if units else None, "rows": rows}


def open_discrepancies(*, warehouse=None, merchant=None) -> QuerySet[Discrepancy]:
    return _scoped(Discrepancy.objects.filter(status=Discrepancy.Status.OPEN), warehouse=warehouse, merchant=merchant,
                   merchant_path="product__merchant")


def discrepancies_by_age(*, warehouse=None, merchant=None, now: dt.datetime | None = None) -> dict:
    """Open discrepancies, counted by how long they have waited."""
    now = now or timezone.now()
    counts, low = {}, 0
    for index, (high, _label) in enumerate(DISCREPANCY_AGE_BUCKETS):
        q = Q(created_at__lte=now - dt.timedelta(days=low)) if low else Q()
        if high is not None:
            q &= Q(created_at__gt=now - dt.timedelta(days=high))
        counts[f"b{index}"] = Count("pk", filter=q)
        low = high or low
    row = open_discrepancies(warehouse=warehouse, merchant=merchant).aggregate(n=Count("pk"), **counts)
    return {"open": row["n"], "buckets": [(label, row[f"b{i}"]) for i, (_h, label) in enumerate(DISCREPANCY_AGE_BUCKETS)]}


def parked_inbox(*, merchant=None) -> QuerySet[InboxDelivery]:
    rows = InboxDelivery.objects.filter(status=InboxDelivery.Status.PARKED)
    return rows.filter(channel__merchant=merchant) if merchant is not None else rows


def parked_outbox(*, merchant=None) -> QuerySet[OutboxMessage]:
    rows = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED)
    return rows.filter(channel__merchant=merchant) if merchant is not None else rows


def parked_messages(*, merchant=None) -> dict:
    """Storefront deliveries and updates parked for an operator (they belong to a channel, not a facility)."""
    return {"inbox": parked_inbox(merchant=merchant).count(), "outbox": parked_outbox(merchant=merchant).count()}


def fulfillment_counts(*, warehouse=None, merchant=None, now: dt.datetime | None = None) -> dict:
    """Due today and at risk, in one query."""
    now = now or timezone.now()
    return open_fulfillments(warehouse=warehouse, merchant=merchant).aggregate(
        due_today=Count("pk", filter=Q(ship_by__lt=end_of_day(now))), at_risk=Count("pk", filter=_at_risk_q(now)))


def sla_summary(warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                now: dt.datetime | None = None) -> dict:
    """Every SLA figure for one facility (None: all) and one merchant (None: all), over a window
    ("today", "7d", "30d"). The merchant portal shows a merchant its own with `merchant=` set."""
    now = now or timezone.now()
    w = window_bounds(window, now=now)
    counts = fulfillment_counts(warehouse=warehouse, merchant=merchant, now=now)
    on_time, order_to_ship = shipped_figures(warehouse=warehouse, merchant=merchant, window=w)
    return {
        "window": w,
        "due_today": counts["due_today"],
        "at_risk": counts["at_risk"],
        "on_time": on_time,
        "order_to_ship": order_to_ship,
        "dock_to_stock": dock_to_stock(warehouse=warehouse, merchant=merchant, window=w),
        "returns_grading": returns_received_to_graded(warehouse=warehouse, merchant=merchant, window=w),
        "discrepancies": discrepancies_by_age(warehouse=warehouse, merchant=merchant, now=now),
        "parked": parked_messages(merchant=merchant),
    }
