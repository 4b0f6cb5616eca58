"""Portal pages that read: home, orders, stock, inbound, returns. Each list is merchant-scoped and paginated."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from layout.models import Warehouse
from ops.selectors.sla import sla_summary
from ops.selectors.windows import DEFAULT_WINDOW, WINDOWS
from orders.models import Order
from portal.access import merchant_user_required
from portal.selectors import (
    portal_order_detail,
    portal_orders,
    portal_purchase_order_detail,
    portal_purchase_orders,
    portal_rma_detail,
    portal_rmas,
    portal_stock,
    portal_summary,
)
from returns.models import RmaStatus
from returns.serial_trace import histories_of, order_serial_units
from warehouse.models import PurchaseOrder

PER_PAGE = 25


def _filters(request) -> tuple[str, str]:
    return request.GET.get("q", "").strip()[:100], request.GET.get("status", "").strip()[:40]


def _page(request, rows):
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


@merchant_user_required
def home(request):
    return render(request, "portal/home.html", {"merchant": request.merchant,
                                                "summary": portal_summary(request.user, request.merchant)})


@merchant_user_required
def order_list(request):
    query, status = _filters(request)
    return render(request, "portal/order_list.html", {
        "page": _page(request, portal_orders(request.user, query=query, status=status)),
        "query": query, "status": status, "statuses": Order.Status.choices,
    })


@merchant_user_required
def order_detail(request, pk):
    order = get_object_or_404(portal_order_detail(request.user), pk=pk)
    return render(request, "portal/order_detail.html", {
        "order": order, "serials": histories_of(list(order_serial_units(order)))})


@merchant_user_required
def stock(request):
    query, code = request.GET.get("q", "").strip()[:100], request.GET.get("warehouse", "").strip()[:40]
    return render(request, "portal/stock.html", {
        "page": _page(request, portal_stock(request.user, request.merchant, sku=query, warehouse=code)),
        "query": query, "warehouse": code, "warehouses": Warehouse.objects.filter(is_active=True).order_by("code"),
    })


@merchant_user_required
def inbound_list(request):
    query, status = _filters(request)
    return render(request, "portal/inbound_list.html", {
        "page": _page(request, portal_purchase_orders(request.user, query=query, status=status)),
        "query": query, "status": status, "statuses": PurchaseOrder.Status.choices,
    })


@merchant_user_required
def inbound_detail(request, pk):
    po = get_object_or_404(portal_purchase_order_detail(request.user), pk=pk)
    return render(request, "portal/inbound_detail.html", {"po": po})


@merchant_user_required
def return_list(request):
    query, status = _filters(request)
    return render(request, "portal/return_list.html", {
        "page": _page(request, portal_rmas(request.user, query=query, status=status)),
        "query": query, "status": status, "statuses": RmaStatus.choices,
    })


@merchant_user_required
def return_detail(request, pk):
    rma = get_object_or_404(portal_rma_detail(request.user), pk=pk)
    return render(request, "portal/return_detail.html", {"rma": rma})


@merchant_user_required
def service_levels(request):
    """The merchant's own SLA figures (the ops dashboard's, narrowed to this merchant) over a chosen window."""
    window = request.GET.get("window", DEFAULT_WINDOW)
    if window not in WINDOWS:
        window = DEFAULT_WINDOW
    return render(request, "portal/service_levels.html", {
        "summary": sla_summary(merchant=request.merchant, window=window),
        "window": window, "windows": WINDOWS,
    })
