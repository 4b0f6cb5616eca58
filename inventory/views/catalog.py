from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.access import area_required
from core.roles import may_use
from inventory.selectors import (
    available_to_sell,
    low_stock_products,
    movement_history,
    products_visible_to,
    stock_by_bin,
    stock_by_warehouse,
    with_stock_totals,
)


@area_required("catalog")
def product_list(request):
    products = products_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        products = products.filter(sku__icontains=query) | products.filter(name__icontains=query)
    products = with_stock_totals(products)
    page = Paginator(products.order_by("merchant__code", "sku"), 50).get_page(request.GET.get("page"))
    return render(request, "inventory/product_list.html", {"page": page, "query": query})


@area_required("catalog")
def product_stock(request, pk):
    product = get_object_or_404(products_visible_to(request.user), pk=pk)
    return render(
        request,
        "inventory/product_stock.html",
        {
            "product": product,
            "levels": stock_by_warehouse(product),
            "bins": stock_by_bin(product),
            "movements": movement_history(product=product)[:50],
            "available_to_sell": available_to_sell(product),
            "components": product.components.select_related("component").order_by("component__sku"),
            # Any product may become a bundle unless it is a component itself (bundles do not nest).
            "may_edit_bundle": may_use(request.user, "catalog_edit") and not product.in_bundles.exists(),
        },
    )


@area_required("inventory")
def low_stock(request):
    return render(request, "inventory/low_stock.html", {"alerts": low_stock_products(user=request.user)})
