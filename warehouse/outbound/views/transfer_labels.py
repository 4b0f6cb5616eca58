"""The transfer label station at a source warehouse: scan a picked transfer's number (or its staging bin), enter its
parcels as at pack-out (carton type and weight), and print the labels. The parcels ship when their carrier's
manifest closes (the manifests page)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from inventory.tenancy import warehouses_visible_to
from shipping.models import Shipment
from warehouse.models import CartonType, TransferStatus
from warehouse.outbound.services.transfer_labels import (
    PARCELS_HELP,
    parcels_parse,
    transfer_for_label_scan,
    transfer_label,
)
from warehouse.transfer_selectors import LIVE_PARCEL, transfers_visible_to


@area_required("packing")
def transfer_label_station(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    return _render(request, warehouse, reply=None)


@require_POST
@area_required("packing")
def transfer_label_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    try:
        transfer = transfer_for_label_scan(warehouse=warehouse, raw=request.POST.get("code", ""), user=request.user)
        done = transfer_label(transfer=transfer, warehouse=warehouse, parcels=parcels_parse(request.POST.get("parcels", "")),
                              actor=request.user)
    except DomainError as exc:
        return _render(request, warehouse, reply={"ok": False, "message": exc.message}, status=exc.status_code,
                       parcels=request.POST.get("parcels", "")[:2000])
    numbers = ", ".join(f"{s.carrier} {s.tracking_number}" for s in done.shipments)
    resumed = " (the labelling left unfinished was completed)" if done.resumed else ""
    return _render(request, warehouse, shipments=done.shipments, reply={
        "ok": True, "message": f"Transfer {done.transfer.number} to {done.transfer.to_warehouse.code} labelled{resumed}: "
                               f"{numbers}. Print the labels; it ships when the manifest closes"})


def _render(request, warehouse, *, reply, status: int = 200, parcels: str = "", shipments=()):
    visible = transfers_visible_to(request.user).filter(from_warehouse=warehouse, status=TransferStatus.PICKING)
    labelled = visible.filter(parcels__shipment__status__in=LIVE_PARCEL).distinct()
    waiting = visible.exclude(pk__in=labelled.values("pk")).filter(lines__picked_qty__gt=0).distinct()
    return render(request, "warehouse/transfer_label_station.html", {
        "warehouse": warehouse, "reply": reply, "parcels": parcels, "parcels_help": PARCELS_HELP,
        "shipments": shipments, "carton_types": CartonType.objects.filter(is_active=True),
        "waiting": waiting.order_by("released_at", "pk")[:50],
        "labelled": Shipment.objects.filter(transfer_parcel__transfer__in=labelled, status__in=LIVE_PARCEL)
        .select_related("destination").order_by("document", "id")[:100],
    }, status=status)
