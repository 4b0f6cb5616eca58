"""The merchant's own lot recalls: raise one for its own product, see where the lot sits and which of its orders
shipped it (with CSV)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.access import merchant_user_required
from warehouse.outbound.recall_selectors import recall_bins, recall_shipments, recalls_visible
from warehouse.outbound.views.recalls import recall_csv_response, recall_raise_from, recall_search

PER_PAGE = 25


@merchant_user_required
def recall_list(request):
    found, bad = recall_search(request, recalls_visible(request.user))
    if bad:
        return bad
    rows, query = found
    return render(request, "portal/recall_list.html", {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")), "query": query,
    })


@require_POST
@merchant_user_required
def recall_create(request):
    data = request.POST.copy()
    data["merchant"] = request.merchant.code  # a merchant recalls only its own products
    recall = recall_raise_from(request, data)
    return redirect("portal:recall_detail", pk=recall.pk) if recall else redirect("portal:recall_list")


@merchant_user_required
def recall_detail(request, pk):
    recall = get_object_or_404(recalls_visible(request.user), pk=pk)
    return render(request, "portal/recall_detail.html", {
        "recall": recall, "bins": recall_bins(recall, user=request.user),
        "shipments": recall_shipments(recall, user=request.user),
    })


@merchant_user_required
def recall_orders_csv(request, pk):
    recall = get_object_or_404(recalls_visible(request.user), pk=pk)
    return recall_csv_response(recall, user=request.user)
