from django.shortcuts import get_object_or_404, render

from core.access import area_required
from inventory.tenancy import warehouses_visible_to
from warehouse.selectors import bins_of, warehouses_with_counts


@area_required("layout")
def warehouse_list(request):
    return render(request, "warehouse/warehouse_list.html", {"warehouses": warehouses_with_counts().filter(pk__in=warehouses_visible_to(request.user).values("pk"))})


@area_required("layout")
def warehouse_detail(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    bins = bins_of(warehouse)
    return render(
        request,
        "warehouse/warehouse_detail.html",
        {"warehouse": warehouse, "zones": warehouse.zones.all(), "bins": bins[:500], "bin_total": bins.count()},
    )
