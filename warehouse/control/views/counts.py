"""Cycle counts on the floor and in the office: the blind count station, the manager's count requests,
and the review of counts over tolerance."""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from core.roles import may_use
from inventory.models import Product
from inventory.tenancy import warehouses_visible_to
from layout.models import Bin, Warehouse, Zone
from warehouse.control.selectors import (
    count_moved_since,
    count_review_queue,
    count_tasks_for_output,
    open_counts_by_warehouse,
)
from warehouse.control.services.count_plans import CountRequestRefused, count_request
from warehouse.control.services.counting import (
    FINISH_KEY,
    STATION,
    count_approve,
    count_forget_pending,
    count_reject,
    count_station_scan,
    count_task_held_by,
)
from warehouse.models import CountTask
from warehouse.selectors import count_tasks_visible_to
from warehouse.views.stations import render_station, submitted_scan

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(request, name: str, limit: int) -> str:
    """A typed field, trimmed; control characters (which no keyboard types) refuse the whole form."""
    value = request.POST.get(name, "").strip()
    if _CONTROL.search(value):
        raise CountRequestRefused(f"the {name} holds a control character: type it again")
    return value[:limit]


@area_required("discrepancies")
def count_index(request):
    waiting = open_counts_by_warehouse()
    rows = [{"warehouse": w, "open_tasks": waiting.get(w.pk, 0)} for w in Warehouse.objects.filter(is_active=True)]
    return render(request, "warehouse/count_index.html", {"rows": rows})


@area_required("discrepancies")
def count_station(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    return _render_station(request, warehouse, reply=None)


@require_POST
@area_required("discrepancies")
def count_station_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    reply = submitted_scan(
        request, station=STATION,
        action=lambda raw: count_station_scan(warehouse=warehouse, raw=raw, actor=request.user),
        on_refusal=lambda: count_forget_pending(warehouse=warehouse, actor=request.user),
    )
    return _render_station(request, warehouse, reply=reply)


def _render_station(request, warehouse, *, reply):
    # Blind: the panel shows where to count and what the counter scanned, never what the system holds.
    task = count_task_held_by(warehouse=warehouse, actor=request.user)
    waiting = CountTask.objects.filter(warehouse=warehouse, status=CountTask.Status.OPEN).count()
    return render_station(
        request, page="warehouse/count_station.html", panel="warehouse/_count_panel.html",
        context={"warehouse": warehouse, "task": task, "waiting": waiting, "reply": reply, "finish_key": FINISH_KEY,
                 "pending_qty": task.pending_qty if task else None},
    )


@area_required("discrepancies")
def count_board(request):
    tasks = (count_tasks_for_output().filter(status__in=[CountTask.Status.OPEN, CountTask.Status.COUNTING])
             .order_by("warehouse__code", "created_at", "id")[:300])
    return render(request, "warehouse/count_board.html", {
        "tasks": tasks, "warehouses": Warehouse.objects.filter(is_active=True),
        "recent": count_tasks_for_output().filter(counted_at__isnull=False).order_by("-counted_at", "-id")[:20],
        # A counter who saw what the system held could no longer recount that shelf blind.
        "show_expected": may_use(request.user, "count_approve"),
    })


@require_POST
@area_required("discrepancies")
def count_request_view(request):
    try:
        values = {name: _text(request, name, 64) for name in ("warehouse", "bin", "sku", "zone")}
        warehouse = Warehouse.objects.filter(code=values["warehouse"]).first()
        if warehouse is None:
            raise CountRequestRefused(f"no warehouse {values['warehouse'] or '(none given)'}")
        raised = count_request(warehouse=warehouse, actor=request.user, reason=_text(request, "reason", 200),
                               **_scope(warehouse, values))
        messages.success(request, raised.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:count_board")


def _scope(warehouse: Warehouse, values: dict) -> dict:
    given = [name for name in ("bin", "sku", "zone") if values[name]]
    if len(given) != 1:
        raise CountRequestRefused("fill exactly one of bin, SKU or zone")
    if values["bin"]:
        code = values["bin"].upper().removeprefix("BIN:")
        found = Bin.objects.filter(warehouse=warehouse, code=code).first()
        if found is None:
            raise CountRequestRefused(f"no bin {code} in {warehouse.code}")
        return {"bin": found}
    if values["zone"]:
        found_zone = Zone.objects.filter(warehouse=warehouse, code=values["zone"]).first()
        if found_zone is None:
            raise CountRequestRefused(f"no zone {values['zone']} in {warehouse.code}")
        return {"zone": found_zone}
    products = list(Product.objects.filter(sku=values["sku"], bin_stock__warehouse=warehouse).distinct()[:2])
    if not products:
        raise CountRequestRefused(f"no stock of SKU {values['sku']} in {warehouse.code}")
    if len(products) > 1:
        raise CountRequestRefused(f"SKU {values['sku']} belongs to more than one merchant here: count its bins one by one")
    return {"product": products[0]}


@area_required("count_approve")
def count_review_list(request):
    return render(request, "warehouse/count_review_list.html", {"rows": count_review_queue()})


@area_required("count_approve")
def count_review(request, pk):
    task = get_object_or_404(count_tasks_visible_to(request.user, count_tasks_for_output()), pk=pk)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            note = _text(request, "note", 200)
            if decision == "approve":
                count_approve(task=task, actor=request.user, note=note)
                messages.success(request, f"{task} approved: the variance is posted to the ledger")
            elif decision == "reject":
                recount = count_reject(task=task, actor=request.user, note=note)
                messages.success(request, f"{task} rejected: recount {recount} sent to the floor")
            else:
                messages.error(request, "choose approve or reject")
                return redirect("warehouse:count_review", pk=task.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("warehouse:count_review", pk=task.pk)
        return redirect("warehouse:count_review_list")
    variance = task.variance or 0
    return render(request, "warehouse/count_review.html", {
        "task": task, "variance": variance, "value": (task.product.unit_cost or 0) * variance,
        "moved_since": count_moved_since(task) if task.status == CountTask.Status.REVIEW else 0,
        "own_count": task.counted_by_id == request.user.pk,
    })
