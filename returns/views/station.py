"""The return receiving + grading station of one warehouse (see returns.services.station)."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from inventory.tenancy import warehouses_visible_to
from layout.models import Warehouse
from returns.models import ParcelStatus, ReturnParcel
from returns.services.station import (
    COMMANDS_HELP,
    DISPOSITION_KEYS,
    return_station_scan,
    station_state_summary,
)
from warehouse.views.stations import render_station, submitted_scan

SESSION_KEY = "returns_station"


@area_required("returns")
def station_index(request):
    waiting = dict(ReturnParcel.objects.filter(status=ParcelStatus.UNMATCHED).values_list("warehouse_id")
                   .annotate(n=Count("id")))
    rows = [{"warehouse": w, "unmatched": waiting.get(w.pk, 0)} for w in Warehouse.objects.filter(is_active=True)]
    return render(request, "returns/station_index.html", {"rows": rows})


@area_required("returns")
def station(request, code):
    return _render(request, get_object_or_404(warehouses_visible_to(request.user), code=code), reply=None)


@require_POST
@area_required("returns")
def station_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    key = f"{SESSION_KEY}:{warehouse.pk}"
    reply = submitted_scan(request, station=f"returns:{warehouse.code}", action=lambda raw: return_station_scan(
        warehouse=warehouse, state=request.session.get(key), raw=raw, actor=request.user), warehouse=warehouse)
    if "state" in reply.data:
        request.session[key] = reply.data["state"]
    return _render(request, warehouse, reply=reply)


def _render(request, warehouse, *, reply):
    state = request.session.get(f"{SESSION_KEY}:{warehouse.pk}") or {}
    context = {"warehouse": warehouse, "reply": reply, "commands_help": COMMANDS_HELP,
               "disposition_keys": [(key, value, value.label) for key, value in DISPOSITION_KEYS.items()],
               **station_state_summary(state)}
    if "parcel" not in context:
        context["unmatched"] = ReturnParcel.objects.filter(warehouse=warehouse, status=ParcelStatus.UNMATCHED).count()
    return render_station(request, page="returns/station.html", panel="returns/_station_panel.html", context=context)
