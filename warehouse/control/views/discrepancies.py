"""The manager's discrepancy queue with each bin's history, and the count tasks it sends to the floor."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from inventory.tenancy import staff_scoped
from warehouse.control.selectors import discrepancy_histories_for
from warehouse.control.services.discrepancies import count_task_complete, discrepancy_resolve
from warehouse.models import CountTask, Discrepancy
from warehouse.selectors import count_tasks_visible_to, discrepancies_visible_to


@area_required("discrepancies")
def discrepancy_queue(request):
    discrepancies = staff_scoped(Discrepancy.objects.all(), request.user, merchant="product__merchant_id",
                                 warehouse="warehouse_id")
    open_ = list(
        discrepancies.filter(status=Discrepancy.Status.OPEN)
        .select_related("warehouse", "product", "bin", "reported_by", "pick_line__session")[:100]
    )
    histories = discrepancy_histories_for(open_)
    rows = [{"discrepancy": d, "history": histories[d.pk]} for d in open_]
    tasks = staff_scoped(CountTask.objects.all(), request.user, merchant="product__merchant_id", warehouse="warehouse_id")
    tasks = tasks.filter(status=CountTask.Status.OPEN).select_related("warehouse", "bin", "product", "discrepancy")[:200]
    resolved = discrepancies.filter(status=Discrepancy.Status.RESOLVED).select_related(
        "product", "bin", "resolved_by").order_by("-resolved_at")[:20]
    return render(request, "warehouse/discrepancies.html", {
        "rows": rows, "tasks": tasks, "resolved": resolved, "resolutions": Discrepancy.Resolution.choices,
    })


@require_POST
@area_required("discrepancies")
def discrepancy_action(request, pk):
    discrepancy = get_object_or_404(discrepancies_visible_to(request.user), pk=pk)
    counted = request.POST.get("counted_qty", "").strip()
    try:
        discrepancy_resolve(
            discrepancy=discrepancy, resolution=request.POST.get("resolution", ""), actor=request.user,
            note=request.POST.get("note", "").strip(), counted_qty=int(counted) if counted.lstrip("-").isdigit() else None,
        )
        messages.success(request, f"D-{discrepancy.pk} updated")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:discrepancy_queue")


@require_POST
@area_required("discrepancies")
def count_task_action(request, pk):
    task = get_object_or_404(count_tasks_visible_to(request.user), pk=pk)
    counted = request.POST.get("counted_qty", "").strip()
    try:
        count_task_complete(task=task, counted_qty=int(counted) if counted.isdigit() else None, actor=request.user)
        messages.success(request, f"{task} counted")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:discrepancy_queue")
