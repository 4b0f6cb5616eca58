"""The replenishment scan station of one warehouse: take the next task, scan the reserve bin, then the face."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from inventory.tenancy import staff_scoped, warehouses_visible_to
from warehouse.models import ReplenishmentTask
from warehouse.outbound.services.replenishment import replenishment_station_scan
from warehouse.views.stations import render_station, submitted_scan


def _waiting(user):
    """Open tasks of the merchants and warehouses in the staff member's scope."""
    return staff_scoped(ReplenishmentTask.objects.filter(status=ReplenishmentTask.Status.OPEN), user,
                        merchant="product__merchant_id", warehouse="warehouse_id")


@area_required("picking")
def replenishment_index(request):
    counts = dict(_waiting(request.user).values_list("warehouse_id").annotate(n=Count("id")))
    rows = [{"warehouse": w, "open_tasks": counts.get(w.pk, 0)}
            for w in warehouses_visible_to(request.user).filter(is_active=True)]
    return render(request, "warehouse/replenishment_index.html", {"rows": rows})


@area_required("picking")
def replenishment_station(request, code):
    return _render(request, get_object_or_404(warehouses_visible_to(request.user), code=code), reply=None)


@require_POST
@area_required("picking")
def replenishment_station_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    reply = submitted_scan(request, station="replenishment",
                           action=lambda raw: replenishment_station_scan(warehouse=warehouse, raw=raw, actor=request.user))
    return _render(request, warehouse, reply=reply)


def _render(request, warehouse, *, reply):
    task = (ReplenishmentTask.objects.filter(warehouse=warehouse, status=ReplenishmentTask.Status.CLAIMED, claimed_by=request.user)
            .select_related("product", "from_bin", "to_bin").first())
    waiting = _waiting(request.user).filter(warehouse=warehouse).count()
    return render_station(request, page="warehouse/replenishment_station.html", panel="warehouse/_replenishment_panel.html",
                          context={"warehouse": warehouse, "task": task, "waiting": waiting, "reply": reply})
