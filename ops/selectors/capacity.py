"""Capacity: how full each facility is, by volume and by bin, what is coming in, and the work in each queue."""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from inventory.models import BinStock
from layout.models import Bin, Warehouse
from ops.models import StockVolume
from ops.selectors.aggregates import ratio
from ops.selectors.sla import _scoped
from orders.models import FulfillmentOrder, FulfillmentStatus
from shipping.models import Shipment
from shipping.models.shipments import ShipmentStatus
from warehouse.models import PurchaseOrder, PurchaseOrderLine

MM3_PER_FT3 = 304.8**3
SNAPSHOT_MAX_AGE = dt.timedelta(minutes=20)  # the rollup job takes a stock-volume snapshot every 15 minutes
S = FulfillmentStatus
# The outbound queues, in the order work flows through them.
QUEUES = (
    ("released", "Released", S.RELEASED),
    ("in_wave", "In waves", S.IN_WAVE),
    ("picking", "Picking", S.PICKING),
    ("packed", "Packed", S.PACKED),
)


def _volume():
    # In bigint: a few thousand units of a large product overflow a 32-bit product of four integers.
    return ExpressionWrapper(Cast("qty", BigIntegerField()) * F("product__length_mm") * F("product__width_mm")
                             * F("product__height_mm"), output_field=BigIntegerField())


def stock_volumes(ids: list[int]) -> dict[int, dict]:
    """Per facility: units in bins, their volume in mm³ and the units in bins with a capacity, summed live."""
    return {row["warehouse_id"]: {**row, "volume": int(row["volume"] or 0)} for row in BinStock.objects.filter(warehouse_id__in=ids, qty__gt=0)
            .values("warehouse_id").annotate(units=Sum("qty"), volume=Sum(_volume()),
                                             capped=Sum("qty", filter=Q(bin__capacity__isnull=False))).order_by()}


def zone_stock(ids: list[int]) -> dict[int, dict[int, dict]]:
    """Per facility and zone: units in bins, units in bins with a capacity, bins holding stock, summed live."""
    zones: dict[int, dict[int, dict]] = {}
    for row in (BinStock.objects.filter(warehouse_id__in=ids, qty__gt=0).values("warehouse_id", "bin__zone_id")
                .annotate(units=Sum("qty"), capped=Sum("qty", filter=Q(bin__capacity__isnull=False)),
                          occupied=Count("bin_id", distinct=True)).order_by()):
        zones.setdefault(row["warehouse_id"], {})[row["bin__zone_id"]] = {
            "units": row["units"] or 0, "capped": row["capped"] or 0, "occupied": row["occupied"] or 0}
    return zones


def _stock(ids: list[int], *, live: bool) -> dict[int, dict]:
    """The facilities' stock volumes from the rollup job's snapshot where it is fresh, the rest live."""
    stock: dict[int, dict] = {}
    if not live:
        fresh = timezone.now() - SNAPSHOT_MAX_AGE
        stock = {row.warehouse_id: {"warehouse_id": row.warehouse_id, "units": row.units, "volume": int(row.volume_mm3),
                                    "capped": row.capped_units, "as_of": row.taken_at}
                 for row in StockVolume.objects.filter(warehouse_id__in=ids, taken_at__gte=fresh)}
    missing = [pk for pk in ids if pk not in stock]
    if missing:
        stock.update(stock_volumes(missing))
    return stock


def facility_capacity(*, warehouse=None, live: bool = False) -> list[dict]:
    """Per active facility: units held, their cubic use against floor area x usable height, units per square
    foot, bin use against bin capacity; `over` when cubic or bin use passes the facility's alert threshold.
    Units and volume come from the snapshot the rollup job takes every 15 minutes (`as_of`) while it is
    fresh, else (or with `live`) from the bin stock itself."""
    active = Warehouse.objects.filter(is_active=True)
    facilities = list(active.filter(pk=warehouse.pk) if warehouse is not None else active)
    ids = [f.pk for f in facilities]
    stock = _stock(ids, live=live)
    bins = {row["warehouse_id"]: row for row in Bin.objects.filter(warehouse_id__in=ids, is_active=True)
            .values("warehouse_id").annotate(bins=Count("pk"), capacity=Sum("capacity"))}
    rows = []
    empty: dict = {}
    for facility in facilities:
        held = stock.get(facility.pk, empty)
        units, capped = held.get("units") or 0, held.get("capped") or 0
        cubic_ft = round((held.get("volume") or 0) / MM3_PER_FT3, 1)
        capacity_ft3 = facility.square_feet * facility.usable_height_ft
        bin_capacity = bins.get(facility.pk, empty).get("capacity") or 0
        cubic_pct = ratio(cubic_ft, capacity_ft3)
        bin_pct = ratio(capped, bin_capacity)
        threshold = facility.capacity_alert_pct / 100
        rows.append({
            "warehouse": facility, "units": units, "cubic_ft": cubic_ft, "capacity_ft3": capacity_ft3,
            "cubic_pct": cubic_pct, "square_feet": facility.square_feet,
            "units_per_sqft": round(units / facility.square_feet, 2) if facility.square_feet else None,
            "bins": bins.get(facility.pk, empty).get("bins") or 0, "bin_capacity": bin_capacity, "bin_units": capped,
            "bin_pct": bin_pct, "threshold": threshold, "as_of": held.get("as_of"),
            "over": any(pct is not None and pct > threshold for pct in (cubic_pct, bin_pct)),
        })
    return rows


def _zone_held(warehouse, *, live: bool) -> dict[int, dict]:
    """One facility's stock per zone from the rollup job's snapshot while it is fresh, else live."""
    if not live:
        snapshot = (StockVolume.objects.filter(warehouse=warehouse, taken_at__gte=timezone.now() - SNAPSHOT_MAX_AGE)
                    .values_list("zones", flat=True).first())
        if snapshot is not None:
            return {int(zone_id): row for zone_id, row in snapshot.items()}  # JSON keys are strings
    return zone_stock([warehouse.pk]).get(warehouse.pk, {})


def zone_utilisation(*, warehouse, live: bool = False) -> list[dict]:
    """Per zone of one facility: bins, bins holding stock, units in bins with a capacity against that capacity.
    What the bins hold comes from the rollup job's snapshot while it is fresh (as `facility_capacity`), else
    (or with `live`) from the bin stock itself."""
    zones = {row["zone_id"]: row for row in Bin.objects.filter(warehouse=warehouse, is_active=True)
             .values("zone_id", "zone__code", "zone__name", "zone__kind")
             .annotate(bins=Count("pk"), capacity=Sum("capacity")).order_by("zone__code")}
    held = _zone_held(warehouse, live=live)
    threshold = warehouse.capacity_alert_pct / 100
    rows = []
    empty: dict = {}
    for zone_id, zone in zones.items():
        stock = held.get(zone_id, empty)
        pct = ratio(stock.get("capped") or 0, zone["capacity"] or 0)
        rows.append({"zone": zone["zone__code"], "name": zone["zone__name"], "kind": zone["zone__kind"],
                     "bins": zone["bins"], "occupied": stock.get("occupied") or 0, "units": stock.get("units") or 0,
                     "capacity": zone["capacity"] or 0, "units_in_capped": stock.get("capped") or 0, "pct": pct,
                     "over": pct is not None and pct > threshold})
    return rows


def week_bounds(now: dt.datetime) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


def inbound_this_week(*, warehouse=None, merchant=None, now: dt.datetime | None = None) -> QuerySet[PurchaseOrder]:
    """Open purchase orders and ASNs expected this week (Monday to Sunday), or already overdue."""
    _monday, sunday = week_bounds(now or timezone.now())
    return _scoped(PurchaseOrder.objects.filter(status__in=[PurchaseOrder.Status.OPEN, PurchaseOrder.Status.RECEIVING],
                                                expected_date__lte=sunday),
                   warehouse=warehouse, merchant=merchant, merchant_path="merchant")


def inbound_against_capacity(*, warehouse, merchant=None, now: dt.datetime | None = None, live: bool = False) -> dict:
    """Units still expected this week against the free units in the facility's bins with a capacity (units in
    them as on the facility's capacity figure: the rollup job's snapshot while fresh, see `facility_capacity`)."""
    pos = inbound_this_week(warehouse=warehouse, merchant=merchant, now=now)
    remaining = Greatest(F("expected_qty") - F("received_qty") - F("damaged_qty"), 0)
    row = PurchaseOrderLine.objects.filter(purchase_order__in=pos).aggregate(
        units=Coalesce(Sum(remaining), 0), documents=Count("purchase_order_id", distinct=True))
    capacity = Bin.objects.filter(warehouse=warehouse, is_active=True).aggregate(n=Coalesce(Sum("capacity"), 0))["n"]
    used = _stock([warehouse.pk], live=live).get(warehouse.pk, {}).get("capped") or 0  # the facility figure's
    free = max(capacity - used, 0)
    return {"expected_units": row["units"], "documents": row["documents"], "free_units": free,
            "capacity": capacity, "short": row["units"] > free}


def queue_fulfillments(queue: str, *, warehouse=None, merchant=None) -> QuerySet[FulfillmentOrder]:
    statuses = {key: status for key, _label, status in QUEUES}
    if queue not in statuses:
        raise ValueError(f"unknown queue {queue!r}")
    return _scoped(FulfillmentOrder.objects.filter(status=statuses[queue]), warehouse=warehouse, merchant=merchant)


def awaiting_manifest(*, warehouse=None, merchant=None) -> QuerySet[Shipment]:
    """Labelled cartons not yet on a closed manifest."""
    return _scoped(Shipment.objects.filter(status=ShipmentStatus.LABELLED, manifest__isnull=True),
                   warehouse=warehouse, merchant=merchant, merchant_path="fulfillment_order__order__merchant")


def work_queues(*, warehouse=None, merchant=None) -> list[dict]:
    """The work in each outbound queue: fulfillment orders released, in waves, picking, packed; cartons
    labelled and awaiting a manifest."""
    statuses = [status for _k, _l, status in QUEUES]
    counts = dict(_scoped(FulfillmentOrder.objects.filter(status__in=statuses), warehouse=warehouse, merchant=merchant)
                  .values_list("status").annotate(n=Count("pk")).order_by())
    rows = [{"queue": key, "label": label, "count": counts.get(status, 0)} for key, label, status in QUEUES]
    rows.append({"queue": "awaiting_manifest", "label": "Awaiting manifest",
                 "count": awaiting_manifest(warehouse=warehouse, merchant=merchant).count()})
    return rows
