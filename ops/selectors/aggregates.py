"""PostgreSQL aggregates the ORM lacks."""

from __future__ import annotations

from django.db.models import (
    Aggregate,
    BigIntegerField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Subquery,
)
from django.db.models.functions import Coalesce


class Percentile(Aggregate):
    """percentile_cont(p) WITHIN GROUP (ORDER BY expr): an interval for an interval, else a float."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, duration: bool = True, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within 0..1")
        super().__init__(expression, fraction=float(fraction),
                         output_field=DurationField() if duration else FloatField(), **extra)


def hours(value) -> float | None:
    """A timedelta (or seconds) as hours, rounded for display; None stays None."""
    if value is None:
        return None
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return round(seconds / 3600, 2)


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


class Microseconds(Func):
    """An interval as whole microseconds (EXTRACT(EPOCH ...) is exact numeric on PostgreSQL 14+)."""

    template = "ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def order_to_ship() -> ExpressionWrapper:
    """On a fulfillment order: from its order being placed (or taken in) to it shipping, as an interval. The
    order's time is a subquery by primary key, so PostgreSQL looks up only the orders of the rows it reads
    (as a join it hashes every order: a sequential scan of the whole table for a day's shipments)."""
    from orders.models import Order

    placed = Subquery(Order.objects.filter(pk=OuterRef("order_id"))
                      .values(at=Coalesce(F("placed_at"), F("created_at")))[:1])
    return ExpressionWrapper(F("shipped_at") - placed, output_field=DurationField())
