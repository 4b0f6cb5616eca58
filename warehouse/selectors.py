from django.db.models import Count, QuerySet

from layout.models import Bin, Warehouse


def warehouses_with_counts() -> QuerySet[Warehouse]:
    return Warehouse.objects.annotate(bin_count=Count("bins", distinct=True), zone_count=Count("zones", distinct=True))


def bins_of(warehouse: Warehouse) -> QuerySet[Bin]:
    return Bin.objects.filter(warehouse=warehouse).select_related("zone", "warehouse")


def dock_to_stock_summary(*, warehouse=None, days: int = 7) -> dict:
    """Median and worst dock-to-stock time of receipts stocked in the last `days`, and how many
    missed the warehouse's dock-to-stock SLA."""
    import datetime as dt
    import statistics

    from django.utils import timezone

    from warehouse.models import Receipt

    receipts = Receipt.objects.filter(stocked_at__gte=timezone.now() - dt.timedelta(days=days),
                                      dock_to_stock_seconds__isnull=False).select_related("warehouse")
    if warehouse is not None:
        receipts = receipts.filter(warehouse=warehouse)
    seconds = [(r.dock_to_stock_seconds, r.warehouse.sla_dock_to_stock_hours * 3600) for r in receipts]
    if not seconds:
        return {"count": 0}
    values = [s for s, _ in seconds]
    return {
        "count": len(values),
        "median_hours": round(statistics.median(values) / 3600, 2),
        "max_hours": round(max(values) / 3600, 2),
        "late": sum(1 for s, sla in seconds if s > sla),
        "days": days,
    }
