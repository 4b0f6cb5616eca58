"""Lot recall pages: the recalls, raising one (every bin holding the lot is flagged), a recall's bins and the
orders that shipped the lot, and those orders as CSV. A merchant user sees only its own recalls."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from core.filters import text
from warehouse.models import LotRecall
from warehouse.outbound.recall_selectors import (
    RECALL_CSV_HEADER,
    recall_bins,
    recall_csv_rows,
    recall_shipments,
    recall_target,
    recalls_visible,
)
from warehouse.outbound.services.recall import lot_recall

PER_PAGE = 25


class RecallForm(forms.Form):
    merchant = forms.CharField(max_length=32, required=False, help_text="Merchant code (staff only)")
    sku = forms.CharField(max_length=64)
    lot = forms.CharField(max_length=40)
    reason = forms.CharField(max_length=255)


def recall_raise_from(request, data) -> LotRecall | None:
    """Validate the form and raise the recall; errors become messages. Shared by the staff page and the portal."""
    form = RecallForm(data)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()))
        return None
    values = form.cleaned_data
    try:
        merchant, product = recall_target(request.user, merchant_code=values["merchant"], sku=values["sku"])
        report = lot_recall(merchant=merchant, product=product, lot=values["lot"], reason=values["reason"],
                            actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, f"Lot {report.recall.lot} of {product.sku} recalled: {len(report.flagged_bins)} bin(s) "
                              f"flagged, {len(report.shipped)} order(s) shipped it")
    return report.recall


def recall_search(request, rows):
    """Rows narrowed by `q` (SKU or lot); a NUL byte or an overlong value is a 400 (returned as the response)."""
    raw = request.GET.get("q", "")
    try:
        query = text(raw).strip()
    except ValueError as exc:
        return None, HttpResponseBadRequest(f"q {exc}")
    if query:
        rows = rows.filter(Q(product__sku__icontains=query) | Q(lot__icontains=query))
    return (rows, query), None


def recall_csv_response(recall: LotRecall, *, user) -> StreamingHttpResponse:
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    lines = [RECALL_CSV_HEADER, *recall_csv_rows(recall, user=user)]
    response = StreamingHttpResponse((writer.writerow(line) for line in lines), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="recall-{recall.pk}-orders.csv"'
    return response


@area_required("recalls")
def recall_list(request):
    found, bad = recall_search(request, recalls_visible(request.user))
    if bad:
        return bad
    rows, query = found
    return render(request, "warehouse/recall_list.html", {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")), "query": query,
    })


@require_POST
@area_required("recall_manage")
def recall_create(request):
    recall = recall_raise_from(request, request.POST)
    return redirect("warehouse:recall_detail", pk=recall.pk) if recall else redirect("warehouse:recall_list")


@area_required("recalls")
def recall_detail(request, pk):
    recall = get_object_or_404(recalls_visible(request.user), pk=pk)
    return render(request, "warehouse/recall_detail.html", {
        "recall": recall, "bins": recall_bins(recall, user=request.user),
        "shipments": recall_shipments(recall, user=request.user),
    })


@area_required("recalls")
def recall_orders_csv(request, pk):
    recall = get_object_or_404(recalls_visible(request.user), pk=pk)
    return recall_csv_response(recall, user=request.user)
