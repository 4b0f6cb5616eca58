"""The receiving scan station: scan a PO/ASN, then items; the server keeps which receipt is open."""

from __future__ import annotations

from django.views.decorators.http import require_POST

from core.access import area_required
from warehouse.inbound.services.receiving import COMMANDS_HELP, receiving_station_scan
from warehouse.models import PurchaseOrder, Receipt
from warehouse.views.stations import render_station, submitted_scan

SESSION_KEY = "receiving_receipt_id"


@area_required("receiving")
def receiving_station(request):
    return _render(request, reply=None)


@require_POST
@area_required("receiving")
def receiving_station_submit(request):
    reply = submitted_scan(
        request, station="receiving",
        action=lambda code: receiving_station_scan(receipt_id=request.session.get(SESSION_KEY), raw=code, actor=request.user),
        on_refusal=lambda: Receipt.objects.filter(pk=request.session.get(SESSION_KEY)).update(pending_qty=None),
        warehouse=Receipt.objects.filter(pk=request.session.get(SESSION_KEY)).values_list("warehouse_id", flat=True).first(),
    )
    if "receipt_id" in reply.data:
        if reply.data["receipt_id"]:
            request.session[SESSION_KEY] = reply.data["receipt_id"]
        else:
            request.session.pop(SESSION_KEY, None)
    return _render(request, reply=reply)


def _render(request, *, reply):
    receipt = (
        Receipt.objects.filter(pk=request.session.get(SESSION_KEY), status=Receipt.Status.RECEIVING)
        .select_related("purchase_order__merchant", "dock_bin").first()
    )
    context = {"reply": reply, "receipt": receipt, "commands_help": COMMANDS_HELP,
               "pending_qty": receipt.pending_qty if receipt else None}
    if receipt:
        context["lines"] = receipt.purchase_order.lines.select_related("product")
        context["exceptions"] = receipt.exceptions.select_related("product")[:20]
    else:
        context["open_pos"] = (
            PurchaseOrder.objects.filter(status__in=[PurchaseOrder.Status.OPEN, PurchaseOrder.Status.RECEIVING])
            .select_related("merchant", "warehouse").order_by("expected_date", "number")[:30]
        )
    return render_station(request, page="warehouse/receiving_station.html", panel="warehouse/_receiving_panel.html",
                          context=context)
