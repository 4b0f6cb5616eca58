"""Reads for the returns pages, the API and the dashboards."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from inventory.models.tenancy import staff_scope_q
from inventory.tenancy import staff_scoped
from returns.models import (
    FlushBatch,
    ParcelStatus,
    ReturnAuthorization,
    ReturnLine,
    ReturnParcel,
    ReturnUnit,
    UnitStatus,
)


def rmas_visible_to(user) -> QuerySet[ReturnAuthorization]:
    return (ReturnAuthorization.objects.visible_to(user)
            .select_related("merchant", "order", "warehouse", "replacement_order").defer("label_pdf", "label_zpl"))


def rma_detail_queryset(user) -> QuerySet[ReturnAuthorization]:
    return rmas_visible_to(user).prefetch_related("lines__product", "lines__reason", "parcels", "events",
                                                  "units__product", "units__grade", "units__to_bin")


def unmatched_parcels(warehouse=None) -> QuerySet[ReturnParcel]:
    rows = ReturnParcel.objects.filter(status=ParcelStatus.UNMATCHED).select_related("warehouse", "holding_bin")
    return rows.filter(warehouse=warehouse) if warehouse else rows


def parcels_visible_to(user) -> QuerySet[ReturnParcel]:
    """Parcels of the staff user's warehouses; one matched to an RMA also of their merchants (an unmatched parcel
    belongs to no merchant yet)."""
    return staff_scoped(ReturnParcel.objects.all(), user, warehouse="warehouse_id").filter(
        Q(rma__isnull=True) | staff_scope_q(user, merchant="rma__merchant_id"))


def units_visible_to(user) -> QuerySet[ReturnUnit]:
    return staff_scoped(ReturnUnit.objects.all(), user, merchant="rma__merchant_id", warehouse="parcel__warehouse_id")


def flush_batches_visible_to(user, rows: QuerySet[FlushBatch] | None = None) -> QuerySet[FlushBatch]:
    """A flush batch is a warehouse's (its lines may be several merchants' stock)."""
    return staff_scoped(FlushBatch.objects.all() if rows is None else rows, user, warehouse="warehouse_id")


def parcel_units(parcel: ReturnParcel) -> QuerySet[ReturnUnit]:
    return parcel.units.select_related("product", "line", "grade", "to_bin").order_by("pk")


def flush_batches(warehouse=None) -> QuerySet[FlushBatch]:
    rows = FlushBatch.objects.select_related("warehouse", "approved_by").annotate(
        units=Sum("lines__qty"), line_count=Count("lines"))
    return rows.filter(warehouse=warehouse) if warehouse else rows


def returns_insight(*, since: dt.datetime | None = None, merchant=None) -> dict:
    """Received-to-graded time per facility and merchant; return rate and top reasons per SKU."""
    since = since or timezone.now() - dt.timedelta(days=90)
    units = ReturnUnit.objects.filter(status=UnitStatus.GRADED, graded_at__gte=since)
    lines = ReturnLine.objects.filter(rma__created_at__gte=since).exclude(rma__status="cancelled")
    if merchant is not None:
        units, lines = units.filter(rma__merchant=merchant), lines.filter(rma__merchant=merchant)
    took = ExpressionWrapper(F("graded_at") - F("received_at"), output_field=DurationField())
    grading = [
        {"warehouse": row["rma__warehouse__code"], "merchant": row["rma__merchant__name"], "units": row["units"],
         "avg_hours": round(row["avg"].total_seconds() / 3600, 2) if row["avg"] else None}
        for row in units.values("rma__warehouse__code", "rma__merchant__name")
        .annotate(units=Count("pk"), avg=Avg(took)).order_by("rma__warehouse__code", "rma__merchant__name")
    ]
    from orders.models import FulfillmentLine

    returned = {row["product_id"]: row for row in lines.values("product_id", "product__sku", "product__merchant__name")
                .annotate(returned=Sum("qty"))}
    shipped = dict(FulfillmentLine.objects.filter(order_line__product_id__in=list(returned), shipped_qty__gt=0)
                   .values("order_line__product_id").annotate(n=Sum("shipped_qty")).values_list("order_line__product_id", "n"))
    reasons: dict[int, list] = {}
    for row in lines.values("product_id", "reason__label").annotate(n=Sum("qty")).order_by("product_id", "-n", "reason__label"):
        reasons.setdefault(row["product_id"], []).append({"reason": row["reason__label"], "units": row["n"]})
    skus = sorted((
        {"sku": row["product__sku"], "merchant": row["product__merchant__name"], "returned": row["returned"],
         "shipped": shipped.get(pid, 0),
         "return_rate": round(row["returned"] / shipped[pid], 4) if shipped.get(pid) else None,
         "top_reasons": reasons.get(pid, [])[:3]}
        for pid, row in returned.items()
    ), key=lambda r: (-(r["return_rate"] or 0), r["sku"]))
    return {"since": since, "grading": grading, "skus": skus}
