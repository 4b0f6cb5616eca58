"""Customer service pages: the RMA list, one RMA with its actions, opening an RMA from an order, and the
queue of unexpected parcels waiting to be matched."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from orders.selectors import orders_visible_to
from returns.models import Resolution, ReturnAuthorization, RmaStatus
from returns.printing import rma_slip_pdf, rma_slip_zpl
from returns.selectors import parcels_visible_to, rma_detail_queryset, rmas_visible_to, unmatched_parcels
from returns.services.labels import rma_label_buy
from returns.services.receiving import parcel_match
from returns.services.resolutions import rma_close, rma_resolve
from returns.services.rmas import (
    RequestedLine,
    reason_for,
    returnable_qty_by_line,
    rma_authorize,
    rma_cancel,
    rma_create,
)


@area_required("rma")
def rma_list(request):
    rows = rmas_visible_to(request.user).order_by("-pk")
    status, query = request.GET.get("status", ""), request.GET.get("q", "").strip()
    if status:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(number__icontains=query.upper().removeprefix("RMA:")) | rows.filter(order__order_number=query)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "returns/rma_list.html", {"page": page, "status": status, "query": query,
                                                     "statuses": RmaStatus.choices})


@area_required("rma")
def rma_detail(request, pk):
    rma = get_object_or_404(rma_detail_queryset(request.user), pk=pk)
    return render(request, "returns/rma_detail.html", {"rma": rma})


ACTIONS = {
    "authorize": lambda rma, user: rma_authorize(rma=rma, actor=user),
    "label": lambda rma, user: rma_label_buy(rma=rma, actor=user),
    "resolve": lambda rma, user: rma_resolve(rma=rma, actor=user),
    "close": lambda rma, user: rma_close(rma=rma, actor=user),
    "cancel": lambda rma, user: rma_cancel(rma=rma, actor=user, reason="cancelled by customer service"),
}


@require_POST
@area_required("rma")
def rma_action(request, pk, action):
    rma = get_object_or_404(rmas_visible_to(request.user), pk=pk)
    if action not in ACTIONS:
        return HttpResponse(status=404)
    try:
        ACTIONS[action](rma, request.user)
        messages.success(request, f"{rma.number}: {action} done")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("returns:rma_detail", pk=pk)


@area_required("rma")
def rma_document(request, pk, document):
    rma = get_object_or_404(rmas_visible_to(request.user).defer(None), pk=pk)
    zpl = request.GET.get("type") == "zpl"
    if document == "slip":
        return HttpResponse(rma_slip_zpl(rma) if zpl else rma_slip_pdf(rma), content_type="application/zpl" if zpl else "application/pdf")
    if rma.label_status != ReturnAuthorization.LabelStatus.BOUGHT:
        return HttpResponse("no label bought yet", status=404)
    return HttpResponse(rma.label_zpl if zpl else bytes(rma.label_pdf), content_type="application/zpl" if zpl else "application/pdf")


@area_required("rma")
def rma_new(request, order_pk):
    order = get_object_or_404(orders_visible_to(request.user), pk=order_pk)
    lines = list(order.lines.select_related("product"))
    returnable = returnable_qty_by_line(order.pk)
    if request.method == "POST":
        try:
            wanted = []
            for line in lines:
                qty = int(request.POST.get(f"qty_{line.pk}") or 0)
                if qty:
                    reason = request.POST.get(f"reason_{line.pk}") or "changed_mind"
                    reason_for(order.merchant, reason)
                    wanted.append(RequestedLine(order_line_id=line.pk, qty=qty, reason=reason,
                                                exchange_sku=request.POST.get(f"exchange_{line.pk}", "").strip()))
            rma = rma_create(order=order, lines=wanted, resolution=request.POST.get("resolution", ""), actor=request.user,
                             source="customer service", authorize=True, customer_note=request.POST.get("note", "")[:2000])
            messages.success(request, f"Return {rma.number} authorized")
            return redirect("returns:rma_detail", pk=rma.pk)
        except ValueError:
            messages.error(request, "quantities are whole numbers")
        except DomainError as exc:
            messages.error(request, exc.message)
    from django.db.models import Q

    from returns.models import ReasonCode

    reasons = ReasonCode.objects.filter(Q(merchant__isnull=True) | Q(merchant=order.merchant), is_active=True)
    rows = [{"line": line, "returnable": returnable.get(line.pk, 0)} for line in lines]
    return render(request, "returns/rma_new.html", {"order": order, "rows": rows, "reasons": reasons,
                                                    "resolutions": Resolution.choices})


@area_required("returns")
def parcel_queue(request):
    return render(request, "returns/parcel_queue.html", {"parcels": unmatched_parcels()})


@require_POST
@area_required("returns")
def parcel_match_view(request, pk):
    parcel = get_object_or_404(parcels_visible_to(request.user), pk=pk)
    number = request.POST.get("rma", "").strip().upper().removeprefix("RMA:")
    rma = ReturnAuthorization.objects.visible_to(request.user).filter(number=number).first()
    try:
        if rma is None:
            raise DomainError(f"no return {number}")
        parcel_match(parcel=parcel, rma=rma, actor=request.user)
        messages.success(request, f"Parcel {parcel.pk} matched to {rma.number}: grade it at the station")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("returns:parcel_queue")
