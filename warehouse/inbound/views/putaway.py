"""The putaway scan station of one warehouse: take the next task, scan the bin to confirm."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from inventory.tenancy import warehouses_visible_to
from layout.models import Warehouse
from warehouse.inbound.services.putaway import REASON_PROMPT, putaway_station_scan
from warehouse.models import PutawayTask
from warehouse.views.stations import render_station, submitted_scan


@area_required("receiving")
def putaway_index(request):
    warehouses = Warehouse.objects.filter(is_active=True)
    counts = dict(
        PutawayTask.objects.filter(status=PutawayTask.Status.OPEN).values_list("warehouse_id").annotate(n=Count("id"))
    )
    rows = [{"warehouse": w, "open_tasks": counts.get(w.pk, 0)} for w in warehouses]
    return render(request, "warehouse/putaway_index.html", {"rows": rows})


@area_required("receiving")
def putaway_station(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    return _render(request, warehouse, reply=None)


@require_POST
@area_required("receiving")
def putaway_station_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    reply = submitted_scan(
        request, station="putaway",
        action=lambda raw: putaway_station_scan(warehouse=warehouse, raw=raw, actor=request.user), warehouse=warehouse,
        on_refusal=lambda: PutawayTask.objects.filter(
            warehouse=warehouse, status=PutawayTask.Status.CLAIMED, claimed_by=request.user).update(pending_qty=None),
    )
    return _render(request, warehouse, reply=reply)


def _render(request, warehouse, *, reply):
    task = (
        PutawayTask.objects.filter(warehouse=warehouse, status=PutawayTask.Status.CLAIMED, claimed_by=request.user)
        .select_related("product", "from_bin", "suggested_bin", "override_bin").first()
    )
    waiting = PutawayTask.objects.filter(warehouse=warehouse, status=PutawayTask.Status.OPEN).count()
    return render_station(
        request, page="warehouse/putaway_station.html", panel="warehouse/_putaway_panel.html",
        context={"warehouse": warehouse, "task": task, "waiting": waiting, "reply": reply, "reason_prompt": REASON_PROMPT,
                 "pending_qty": task.pending_qty if task else None},
    )
