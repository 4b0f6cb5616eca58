"""The pick station of one warehouse: Enter takes the next session, then bin, item, bin, item..."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from inventory.tenancy import warehouses_visible_to
from layout.models import Warehouse
from warehouse.models import PickLine, PickSession
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.picking import pick_station_scan
from warehouse.views.stations import render_station, submitted_scan

FAILURE_KEYS = [("F2", "CMD:EMPTY", "Bin empty"), ("F3", "CMD:SHORT", "Short"), ("F4", "CMD:DAMAGED", "Damaged")]


@area_required("picking")
def pick_index(request):
    counts = dict(PickSession.objects.filter(status=PickSession.Status.OPEN).values_list("warehouse_id").annotate(n=Count("id")))
    rows = [{"warehouse": w, "open_sessions": counts.get(w.pk, 0)} for w in Warehouse.objects.filter(is_active=True)]
    return render(request, "warehouse/pick_index.html", {"rows": rows})


@area_required("picking")
def pick_station(request, code):
    return _render(request, get_object_or_404(warehouses_visible_to(request.user), code=code), reply=None)


@require_POST
@area_required("picking")
def pick_station_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    reply = submitted_scan(
        request, station="pick", action=lambda raw: pick_station_scan(warehouse=warehouse, raw=raw, actor=request.user),
        on_refusal=lambda: PickSession.objects.filter(
            warehouse=warehouse, status=PickSession.Status.CLAIMED, picker=request.user).update(pending_qty=None),
        warehouse=warehouse,
    )
    return _render(request, warehouse, reply=reply)


def _render(request, warehouse, *, reply):
    if reply is not None and reply.panel is not None:  # the scan left its next screen in hand
        context = {"warehouse": warehouse, "reply": reply, "failure_keys": FAILURE_KEYS, **reply.panel,
                   "pending_qty": reply.panel["session"].pending_qty}
        return render_station(request, page="warehouse/pick_station.html", panel="warehouse/_pick_panel.html", context=context)
    session = PickSession.objects.filter(
        warehouse=warehouse, status=PickSession.Status.CLAIMED, picker=request.user
    ).select_related("wave").first()
    context = {"warehouse": warehouse, "session": session, "reply": reply, "failure_keys": FAILURE_KEYS,
               "pending_qty": session.pending_qty if session else None}
    if session:
        context["line"] = current_line(session)
        context["progress"] = session.lines.aggregate(
            total=Count("id", filter=~Q(status=PickLine.Status.CANCELLED)),
            done=Count("id", filter=Q(status__in=[PickLine.Status.PICKED, PickLine.Status.FAILED])),
        )
    else:
        context["waiting"] = PickSession.objects.filter(warehouse=warehouse, status=PickSession.Status.OPEN).count()
    return render_station(request, page="warehouse/pick_station.html", panel="warehouse/_pick_panel.html", context=context)
