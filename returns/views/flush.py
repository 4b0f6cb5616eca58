"""The flush batch page (build from the holding bin, approve as a second person, execute) and the
finance CSV, streamed."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import timefmt
from core.access import area_required
from core.errors import DomainError
from inventory.models import BinStock
from inventory.tenancy import warehouses_visible_to
from layout.models import Warehouse
from returns.models import Disposition, FlushBatch
from returns.selectors import flush_batches, flush_batches_visible_to
from returns.services.flush import (
    FLUSH_AREA,
    FlushItem,
    flush_batch_approve,
    flush_batch_cancel,
    flush_batch_create,
    flush_batch_execute,
)
from returns.services.setup import returns_bins


class _Echo:
    def write(self, value):
        return value


def flush_csv_response(batch: FlushBatch) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["batch", "warehouse", "status", "sku", "merchant", "bin", "condition", "disposition", "qty",
                               "unit_cost", "value_written_off", "approved_by", "executed_at"])
        for line in batch.lines.select_related("product__merchant", "bin").order_by("pk").iterator(chunk_size=500):
            yield writer.writerow([batch.pk, batch.warehouse.code, batch.status, line.product.sku, line.product.merchant.code,
                                   line.bin.code, line.condition, line.disposition, line.qty, line.unit_cost,
                                   line.value_written_off, batch.approved_by.username if batch.approved_by else "",
                                   timefmt.iso_dt(batch.executed_at)])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="flush-{batch.pk}.csv"'
    return response


@area_required(FLUSH_AREA)
def flush_list(request):
    batches = flush_batches().select_related("warehouse").order_by("-pk")[:100]
    return render(request, "returns/flush_list.html", {
        "batches": batches, "warehouses": Warehouse.objects.filter(is_active=True),
        "dispositions": [c for c in Disposition.choices if c[0] != Disposition.RESTOCK]})


@require_POST
@area_required(FLUSH_AREA)
def flush_build(request):
    """Everything waiting in a warehouse's disposition holding bin, with one disposition."""
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=request.POST.get("warehouse", ""))
    holding = returns_bins(warehouse).holding
    rows = BinStock.objects.filter(bin=holding, qty__gt=0).select_related("product").order_by("pk")
    try:
        batch = flush_batch_create(warehouse=warehouse, actor=request.user, reason=request.POST.get("reason", "").strip(),
                                   items=[FlushItem(product=r.product, bin=holding, qty=r.qty, condition=r.condition,
                                                    disposition=request.POST.get("disposition", "")) for r in rows])
        messages.success(request, f"Flush batch {batch.pk} built: another person approves it")
        return redirect("returns:flush_detail", pk=batch.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("returns:flush_list")


@area_required(FLUSH_AREA)
def flush_detail(request, pk):
    batch = get_object_or_404(flush_batches_visible_to(request.user, flush_batches()), pk=pk)
    return render(request, "returns/flush_detail.html", {
        "batch": batch, "lines": batch.lines.select_related("product", "bin"),
        "may_approve": batch.status == "draft" and batch.built_by_id != request.user.pk})


FLUSH_ACTIONS = {"approve": flush_batch_approve, "execute": flush_batch_execute, "cancel": flush_batch_cancel}


@require_POST
@area_required(FLUSH_AREA)
def flush_action(request, pk, action):
    batch = get_object_or_404(flush_batches_visible_to(request.user), pk=pk)
    try:
        FLUSH_ACTIONS[action](batch=batch, actor=request.user)
        messages.success(request, f"Flush batch {batch.pk}: {action} done")
    except KeyError:
        messages.error(request, f"unknown action {action}")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("returns:flush_detail", pk=pk)


@area_required(FLUSH_AREA)
def flush_csv(request, pk):
    return flush_csv_response(get_object_or_404(flush_batches_visible_to(request.user, FlushBatch.objects.select_related("warehouse", "approved_by")), pk=pk))
