"""Portal pages that act: announce a purchase order or ASN, request a return. They parse the form and call the
inbound or returns service, which decides."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render

from core.errors import DomainError
from portal.access import merchant_user_required
from portal.forms import PurchaseOrderForm, requested_lines
from portal.selectors import portal_order_detail
from returns.models import ReasonCode, Resolution
from returns.services.rmas import returnable_qty_by_line, rma_create
from warehouse.inbound.services.purchase_orders import purchase_order_create


@merchant_user_required
def inbound_new(request):
    form = PurchaseOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            po = purchase_order_create(
                merchant=request.merchant, warehouse=data["warehouse"], number=data["number"], kind=data["kind"],
                supplier=data["supplier"].strip(), expected_date=data["expected_date"], lines=data["lines"],
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{po.get_kind_display()} {po.number} created")
            return redirect("portal:inbound_detail", pk=po.pk)
    return render(request, "portal/inbound_new.html", {"form": form})


@merchant_user_required
def return_new(request, order_pk):
    order = get_object_or_404(portal_order_detail(request.user), pk=order_pk)
    lines = list(order.lines.all())
    if request.method == "POST":
        try:
            rma = rma_create(order=order, lines=requested_lines(request.POST, lines), actor=request.user,
                             resolution=request.POST.get("resolution", ""), source="merchant portal", authorize=True,
                             customer_note=request.POST.get("note", "")[:2000])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Return {rma.number} authorized")
            return redirect("portal:return_detail", pk=rma.pk)
    returnable = returnable_qty_by_line(order.pk)
    reasons = ReasonCode.objects.filter(Q(merchant__isnull=True) | Q(merchant_id=order.merchant_id), is_active=True)
    return render(request, "portal/return_new.html", {
        "order": order, "rows": [{"line": line, "returnable": returnable.get(line.pk, 0)} for line in lines],
        "reasons": reasons, "resolutions": Resolution.choices,
    })
