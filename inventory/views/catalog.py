from django.core.paginator import Paginator
from django.shortcuts import render

from inventory.selectors import products_visible_to
from wms_project.access import area_required


@area_required("catalog")
def product_list(request):
    products = products_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        products = products.filter(sku__icontains=query) | products.filter(name__icontains=query)
    page = Paginator(products.order_by("merchant__code", "sku"), 50).get_page(request.GET.get("page"))
    return render(request, "inventory/product_list.html", {"page": page, "query": query})
