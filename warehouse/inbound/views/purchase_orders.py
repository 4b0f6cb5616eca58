"""Purchase order / ASN pages: list, create, upload CSV, detail; the receiving exception queue."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.csv_import import ImportRejected
from core.errors import DomainError
from core.roles import may_use
from inventory.models import Merchant, Product
from inventory.selectors import merchant_of
from inventory.tenancy import staff_scoped, warehouses_visible_to
from warehouse.inbound.services.purchase_orders import (
    ExpectedLine,
    purchase_order_cancel,
    purchase_order_create,
    purchase_orders_import,
)
from warehouse.inbound.services.putaway import putaway_release
from warehouse.inbound.services.receiving import exception_resolve, unknown_barcode_map
from warehouse.models import PurchaseOrder, PutawayTask, ReceivingException
from warehouse.selectors import dock_to_stock_summary, putaway_tasks_visible_to, receiving_exceptions_visible_to


@area_required("inbound")
def po_list(request):
    pos = PurchaseOrder.objects.visible_to(request.user).select_related("merchant", "warehouse")
    status = request.GET.get("status", "")
    if status:
        pos = pos.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        pos = pos.filter(number__icontains=query)
    page = Paginator(pos.order_by("-created_at"), 50).get_page(request.GET.get("page"))
    return render(request, "warehouse/po_list.html", {
        "page": page, "status": status, "query": query, "statuses": PurchaseOrder.Status.choices,
        "dock_to_stock": dock_to_stock_summary(),
    })


@area_required("inbound")
def po_create(request):
    own = merchant_of(request.user)
    merchants = [own] if own else staff_scoped(Merchant.objects.filter(is_active=True), request.user, merchant="pk")
    warehouses = warehouses_visible_to(request.user).filter(is_active=True)
    form = {"tolerance": "10", "allow_unexpected": True}
    if request.method == "POST":
        form = request.POST
        try:
            merchant = own or _chosen(merchants, request.POST.get("merchant"), "merchant")
            po = purchase_order_create(
                merchant=merchant, warehouse=_chosen(warehouses, request.POST.get("warehouse"), "warehouse"),
                number=request.POST.get("number", ""), kind=request.POST.get("kind", PurchaseOrder.Kind.PURCHASE_ORDER),
                supplier=request.POST.get("supplier", "").strip(), expected_date=_date(request.POST.get("expected_date")),
                over_receipt_tolerance_pct=_int(request.POST.get("tolerance", "10"), "tolerance"),
                allow_unexpected=bool(request.POST.get("allow_unexpected")),
                lines=_lines(request.POST.get("lines", "")), actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{po.get_kind_display()} {po.number} created")
            return redirect("warehouse:po_detail", pk=po.pk)
    return render(request, "warehouse/po_form.html", {
        "merchants": merchants, "warehouses": warehouses, "form": form,
        "kinds": PurchaseOrder.Kind.choices,
    })


def _chosen(rows, value, what: str):
    """The row picked in a select: anything but the id of one of `rows` (active, in the user's scope) is refused
    with the field's name."""
    row = rows.filter(pk=int(value)).first() if (value or "").isdigit() and len(value) < 10 else None
    if row is None:
        raise DomainError(f"choose a {what} from the list")
    return row


@area_required("inbound")
def po_upload(request):
    if request.method == "POST" and request.FILES.get("file"):
        try:
            report = purchase_orders_import(source=request.FILES["file"], merchant=merchant_of(request.user), actor=request.user)
        except ImportRejected as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{report.created} purchase order(s) created")
            return redirect("warehouse:po_list")
    return render(request, "warehouse/po_upload.html")


@area_required("inbound")
def po_detail(request, pk):
    po = get_object_or_404(PurchaseOrder.objects.visible_to(request.user).select_related("merchant", "warehouse"), pk=pk)
    return render(request, "warehouse/po_detail.html", {
        "po": po, "lines": po.lines.select_related("product"),
        "receipts": po.receipts.select_related("dock_bin", "received_by").prefetch_related("putaway_tasks"),
        "exceptions": ReceivingException.objects.filter(receipt__purchase_order=po).select_related("product"),
        "tasks": PutawayTask.objects.filter(receipt__purchase_order=po).select_related("product", "claimed_by", "suggested_bin"),
        "staff": merchant_of(request.user) is None, "may_cancel": may_use(request.user, "inbound_manage"),
    })


@require_POST
@area_required("inbound_manage")
def po_cancel(request, pk):
    po = get_object_or_404(PurchaseOrder.objects.visible_to(request.user), pk=pk)
    try:
        purchase_order_cancel(purchase_order=po, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"{po.number} cancelled")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:po_detail", pk=pk)


@area_required("inbound_manage")
def exception_queue(request):
    exceptions = staff_scoped(ReceivingException.objects.all(), request.user, merchant="receipt__purchase_order__merchant_id",
                              warehouse="receipt__warehouse_id")
    exceptions = exceptions.filter(resolved_at__isnull=True).select_related(
        "receipt__purchase_order__merchant", "product", "recorded_by"
    )
    claimed = staff_scoped(PutawayTask.objects.all(), request.user, merchant="product__merchant_id", warehouse="warehouse_id")
    claimed = claimed.filter(status=PutawayTask.Status.CLAIMED).select_related("product", "claimed_by", "warehouse")
    return render(request, "warehouse/exceptions.html", {"exceptions": exceptions[:200], "claimed": claimed[:200]})


@require_POST
@area_required("inbound_manage")
def exception_action(request, pk):
    exception = get_object_or_404(receiving_exceptions_visible_to(request.user, ReceivingException.objects.select_related("receipt__purchase_order")), pk=pk)
    try:
        if request.POST.get("action") == "map":
            product = Product.objects.filter(
                merchant_id=exception.receipt.purchase_order.merchant_id, sku=request.POST.get("sku", "").strip()
            ).first()
            if product is None:
                raise DomainError(f"no SKU {request.POST.get('sku')!r} for this merchant")
            unknown_barcode_map(exception=exception, product=product, actor=request.user)
        else:
            exception_resolve(exception=exception, actor=request.user, resolution=request.POST.get("resolution", ""))
        messages.success(request, "exception resolved")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:exception_queue")


@require_POST
@area_required("inbound_manage")
def putaway_task_release(request, pk):
    try:
        putaway_release(task=get_object_or_404(putaway_tasks_visible_to(request.user), pk=pk), actor=request.user)
        messages.success(request, "task back in the queue")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("warehouse:exception_queue")


def _lines(text: str) -> list[ExpectedLine]:
    """One `SKU, quantity` per line."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        sku, _, qty = raw.replace("\t", ",").partition(",")
        lines.append(ExpectedLine(sku=sku.strip(), qty=_int(qty.strip(), f"line {number} quantity")))
    return lines


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{what} must be a whole number, got {value!r}") from None


def _date(value: str | None):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"expected date must be YYYY-MM-DD, got {value!r}") from None
