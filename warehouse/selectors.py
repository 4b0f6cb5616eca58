from django.db.models import Count, QuerySet

from warehouse.models import Bin, Warehouse


def warehouses_with_counts() -> QuerySet[Warehouse]:
    return Warehouse.objects.annotate(bin_count=Count("bins"), zone_count=Count("zones", distinct=True))


def bins_of(warehouse: Warehouse) -> QuerySet[Bin]:
    return Bin.objects.filter(warehouse=warehouse).select_related("zone", "warehouse")
