"""Outbound: labels waiting for their carrier, voids before pickup, end-of-day manifests."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from inventory.tenancy import warehouses_visible_to
from shipping.models import Shipment
from warehouse.models import TransferOrder
from warehouse.outbound.services.manifests import manifest_close
from warehouse.outbound.services.packing import pack_void
from warehouse.outbound.services.transfer_labels import transfer_labels_void
from warehouse.selectors import manifests_visible_to, shipments_visible_to


@area_required("packing")
def manifests(request):
    shipments = shipments_visible_to(request.user)
    waiting = (shipments.filter(status=Shipment.Status.LABELLED)
               .select_related("warehouse", "fulfillment_order__order", "destination", "transfer_parcel")
               .order_by("warehouse__code", "carrier", "id"))
    groups = [{"warehouse": warehouse, "carrier": carrier, "shipments": list(rows)}
              for (warehouse, carrier), rows in groupby(waiting, key=lambda s: (s.warehouse, s.carrier))]
    in_flight = (shipments.filter(status__in=[Shipment.Status.AWAITING_LABEL, Shipment.Status.VOIDING])
                 .select_related("warehouse", "fulfillment_order__order", "transfer_parcel").order_by("updated_at")[:100])
    closed = manifests_visible_to(request.user).select_related("warehouse", "closed_by")[:30]
    return render(request, "warehouse/manifests.html", {"groups": groups, "in_flight": in_flight, "closed": closed})


@require_POST
@area_required("packing")
def manifest_close_view(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    try:
        manifest = manifest_close(warehouse=warehouse, carrier=request.POST.get("carrier", ""), actor=request.user)
        messages.success(request, f"Manifest {manifest} closed: {manifest.shipments.count()} parcel(s) shipped")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:manifests")


@area_required("packing")
def manifest_pdf(request, pk):
    manifest = get_object_or_404(manifests_visible_to(request.user), pk=pk)
    response = HttpResponse(bytes(manifest.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="manifest-{manifest.pk}.pdf"'
    return response


@require_POST
@area_required("packing")
def shipment_void_view(request, pk):
    shipment = get_object_or_404(shipments_visible_to(request.user), pk=pk)
    try:
        if shipment.is_transfer:
            transfer = TransferOrder.objects.get(parcels__shipment=shipment)
            transfer_labels_void(transfer=transfer, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"Transfer {transfer.number}'s labels voided: it is back to picked")
        else:
            pack_void(shipment=shipment, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"{shipment} voided: the order is back at pack-out")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:manifests")
