"""SLA figures per facility (and per merchant within it): what is due, what is at risk, how fast it went."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ops.selectors.aggregates import Percentile, hours, ratio
from ops.selectors.windows import DEFAULT_WINDOW, Window, end_of_day, window_bounds
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
    return fulfillments_shipped(**scope).exclude(_on_time_q())


def on_time_ship_rate(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                      now: dt.datetime | None = None) -> dict:
    """Fulfillment orders shipped in the window, and how many left by their ship-by (none set counts as on time)."""
    row = fulfillments_shipped(warehouse=warehouse, merchant=merchant, window=window, now=now).aggregate(
        shipped=Count("pk"), on_time=Count("pk", filter=_on_time_q()))
    return {"shipped": row["shipped"], "on_time": row["on_time"], "late": row["shipped"] - row["on_time"],
            "rate": ratio(row["on_time"], row["shipped"])}


def _order_to_ship_aggregates() -> dict:
    took = ExpressionWrapper(F("shipped_at") - Coalesce(F("order__placed_at"), F("order__created_at")),
                             output_field=DurationField())
    buckets, low = {}, 0
    for index, (high, _label) in enumerate(ORDER_TO_SHIP_BUCKETS):
        q = Q(took__gte=dt.timedelta(hours=low)) if low else Q()
        if high is not None:
            q &= Q(took__lt=dt.timedelta(hours=high))
        buckets[f"b{index}"] = Count("pk", filter=q)
        low = high or low
    return {"took": took, "aggregates": dict(n=Count("pk"), avg=Avg("took"), p50=Percentile("took", 0.5),
                                              p90=Percentile("took", 0.9), **buckets)}


def _order_to_ship_figures(row: dict) -> dict:
    return {
        "shipped": row["n"], "avg_hours": hours(row["avg"]), "p50_hours": hours(row["p50"]),
        "p90_hours": hours(row["p90"]),
        "buckets": [(label, row[f"b{i}"]) for i, (_high, label) in enumerate(ORDER_TO_SHIP_BUCKETS)],
    }


def order_to_ship_times(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                        now: dt.datetime | None = None) -> dict:
    """From the order being placed (or taken in) to its fulfillment order shipping: median, p90, buckets."""
    parts = _order_to_ship_aggregates()
    row = (fulfillments_shipped(warehouse=warehouse, merchant=merchant, window=window, now=now)
           .annotate(took=parts["took"]).aggregate(**parts["aggregates"]))
    return _order_to_ship_figures(row)


def shipped_figures(*, warehouse=None, merchant=None, window: str | Window = DEFAULT_WINDOW,
                    now: dt.datetime | None = None) -> tuple[dict, dict]:
    """`on_time_ship_rate` and `order_to_ship_times` in one pass over the shipped rows."""
    parts = _order_to_ship_aggregates()
    row = (fulfillments_shipped(warehouse=warehouse, merchant=merchant, window=window, now=now)
           .annotate(took=parts["took"]).aggregate(on_time=Count("pk", filter=_on_time_q()), **parts["aggregates"]))
    on_time = {"shipped": row["n"], "on_time": row["on_time"], "late": row["n"] - row["on_time"],
               "rate": ratio(row["on_time"], row["n"])}
    return on_time, _order_to_ship_figures(row)


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
