"""The pack station of one warehouse: scan the tote, every unit into the carton, CMD:DONE for the labels."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from inventory.tenancy import warehouses_visible_to
from layout.models import Bin
from orders.models import FulfillmentStatus
from shipping.models import Shipment
from warehouse.models import Pack, PickSession, PickSlot
from warehouse.outbound.selectors import pack_lines, pack_totes
from warehouse.outbound.services.pack_station import pack_station_scan_step
from warehouse.outbound.services.packing_slips import packing_slip_pdf
from warehouse.selectors import fulfillments_visible_to, shipments_visible_to
from warehouse.views.stations import render_station, submitted_scan


@area_required("packing")
def pack_index(request):
    stations = Bin.objects.filter(kind=Bin.Kind.PACK_STATION, is_active=True).select_related("warehouse").order_by("warehouse__code", "code")
    # Totes at pack-out: picked in a finished session, their order still in picking, no pack started on it.
    waiting = (
        PickSlot.objects.filter(session__status=PickSession.Status.DONE, fulfillment_order__status=FulfillmentStatus.PICKING,
                                tote__isnull=False)
        .exclude(fulfillment_order__packs__isnull=False)
        .select_related("tote", "fulfillment_order__order", "fulfillment_order__warehouse")
        .order_by("fulfillment_order__ship_by", "pk")[:200]
    )
    return render(request, "warehouse/pack_index.html", {"stations": stations, "waiting": waiting})


@area_required("packing")
def pack_station(request, code, station):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    return _render(request, warehouse, _station(warehouse, station), reply=None)


@require_POST
@area_required("packing")
def pack_station_submit(request, code, station):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    pack_bin = _station(warehouse, station)
    reply = submitted_scan(request, station="pack",
                           action=lambda raw: pack_station_scan_step(warehouse=warehouse, pack_bin=pack_bin, raw=raw, actor=request.user),
                           on_refusal=lambda: Pack.objects.filter(warehouse=warehouse, status=Pack.Status.OPEN,
                                                                  packer=request.user).update(pending_qty=None),
                           warehouse=warehouse)
    return _render(request, warehouse, pack_bin, reply=reply)


@area_required("packing")
def shipment_label(request, pk, fmt):
    shipment = get_object_or_404(shipments_visible_to(request.user), pk=pk)
    if fmt not in ("pdf", "zpl"):
        raise Http404(f"labels come as .pdf or .zpl, not .{fmt}")
    if fmt == "zpl":
        response = HttpResponse(shipment.label_zpl, content_type="application/zpl")
    else:
        response = HttpResponse(bytes(shipment.label_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="label-{shipment.tracking_number}.{fmt}"'
    return response


@area_required("packing")
def packing_slip(request, pk):
    fulfillment = get_object_or_404(fulfillments_visible_to(request.user), pk=pk)
    response = HttpResponse(packing_slip_pdf(fulfillment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="packing-slip-{fulfillment.order.order_number}.pdf"'
    return response


def _station(warehouse, code) -> Bin:
    return get_object_or_404(Bin, warehouse=warehouse, code=code, kind=Bin.Kind.PACK_STATION)


def _render(request, warehouse, pack_bin, *, reply):
    pack = (Pack.objects.filter(warehouse=warehouse, status=Pack.Status.OPEN, packer=request.user)
            .select_related("fulfillment_order__order", "tote").first())
    context = {"warehouse": warehouse, "pack_bin": pack_bin, "pack": pack, "reply": reply,
               "pending_qty": pack.pending_qty if pack else None}
    if pack:
        context["lines"] = pack_lines(pack)
        context["pack_totes"] = pack_totes(pack)
        context["cartons"] = pack.cartons.select_related("carton_type").prefetch_related("items__product")
    shipment_ids = (reply.data.get("shipments") if reply and reply.ok else None) or []
    context["shipments"] = Shipment.objects.filter(pk__in=shipment_ids).order_by("carton__number")
    return render_station(request, page="warehouse/pack_station.html", panel="warehouse/_pack_panel.html", context=context)
