"""Customer service and operator pages: find an order, see what is allowed now and why."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import CharField, F, Func, Q, Value
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.csv_import import ImportRejected
from core.errors import DomainError
from core.reasons import clean_reason
from inventory.models import Merchant
from inventory.selectors import merchant_of
from inventory.tenancy import staff_scoped
from orders.models import HoldKind, Order
from orders.selectors import (
    cancellable,
    editable,
    inbox_deliveries_visible_to,
    inbox_needing_attention,
    order_detail_queryset,
    orders_visible_to,
    orders_waiting_for_allocation,
    outbox_messages_visible_to,
    outbox_needing_attention,
    stock_pushes_needing_attention,
    stock_pushes_visible_to,
    waiting_work_summary,
)
from orders.services.allocation_sweep import order_allocation_replay
from orders.services.cancellation import order_cancel
from orders.services.csv_intake import orders_import_csv
from orders.services.edits import ADDRESS_FIELDS, LineChange, order_edit_address, order_edit_lines
from orders.services.holds import MANUAL_KINDS, order_hold_place, order_hold_release
from orders.services.inbox import inbox_replay
from orders.services.outbox import outbox_retry
from orders.services.stock_push import stock_push_retry
from orders.state import SHIPPED_OR_LATER


@area_required("order_read")
def order_list(request):
    orders = orders_visible_to(request.user)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    if query:
        orders = orders.filter(order_search(query)).distinct()
    status = request.GET.get("status", "")
    if status:
        orders = orders.filter(status=status) if status in Order.Status.values else orders.none()
    page = Paginator(orders.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page": page, "query": query, "statuses": Order.Status.choices})


PHONE_LIKE = re.compile(r"^[\d\s().+-]+$")


def order_search(query: str) -> Q:
    """Customer service finds an order by what the customer has at hand: the order number as the storefront
    shows it (with or without its `#`), the customer's name, email or phone, the storefront's id or a
    tracking number."""
    number = query.removeprefix("#").strip()
    found = (Q(order_number__iexact=number) | Q(order_number__iexact=f"#{number}") | Q(order_number__icontains=number)
             | Q(external_id=query) | Q(email__icontains=query) | Q(customer_name__icontains=query)
             | Q(ship_name__icontains=query) | Q(fulfillment_orders__tracking_number__iexact=query))
    digits = re.sub(r"\D", "", query)
    if PHONE_LIKE.match(query) and len(digits) >= 4:
        found |= Q(pk__in=Order.objects.annotate(phone_digits=Func(
            F("ship_phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace",
            output_field=CharField())).filter(phone_digits__contains=digits).values("pk"))
    return found


@area_required("order_read")
def order_detail(request, pk):
    order = get_object_or_404(order_detail_queryset(request.user).prefetch_related("fulfillment_orders__warehouse"), pk=pk)
    can_cancel, cancel_why = cancellable(order)
    can_edit, edit_why = editable(order)
    return render(request, "orders/order_detail.html", {
        "order": order, "can_cancel": can_cancel, "cancel_why": cancel_why, "can_edit": can_edit, "edit_why": edit_why,
        "address_fields": ADDRESS_FIELDS, "manual_kinds": MANUAL_KINDS,
        "hold_kinds": dict(HoldKind.choices), "staff": merchant_of(request.user) is None,
        # A hold stops work not yet done: nothing is left to stop once the order shipped or was cancelled.
        "can_hold": order.status not in SHIPPED_OR_LATER and order.status != Order.Status.CANCELLED,
    })


@require_POST
@area_required("orders")
def order_action(request, pk):
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    action, reason = request.POST.get("action"), request.POST.get("reason", "").strip()
    try:
        if action == "cancel":
            order = order_cancel(order=order, actor=request.user, reason=clean_reason(reason))
            if order.status != Order.Status.CANCELLED:
                messages.success(request, "cancel requested: the warehouse is stopping its work; "
                                          "the order is cancelled when it reports back")
                return redirect("orders:order_detail", pk=pk)
        elif action == "hold":
            order_hold_place(order=order, kind=request.POST.get("kind", HoldKind.MANUAL), reason=reason, actor=request.user)
        elif action == "release":
            order_hold_release(order=order, kind=request.POST.get("kind", ""), reason=reason, actor=request.user)
        elif action == "edit_address":
            order_edit_address(order=order, address={f: request.POST.get(f, "") for f in ADDRESS_FIELDS},
                               reason=reason or "address corrected by customer service", actor=request.user)
        elif action == "edit_lines":
            changes = [LineChange(sku=sku.strip(), qty=_qty(qty)) for sku, qty in
                       zip(request.POST.getlist("sku"), request.POST.getlist("qty"), strict=False) if sku.strip()]
            order_edit_lines(order=order, changes=changes, reason=reason or "lines edited by customer service", actor=request.user)
        else:
            messages.error(request, f"unknown action {action!r}")
            return redirect("orders:order_detail", pk=pk)
        messages.success(request, f"{action}: done")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("orders:order_detail", pk=pk)


def _merchants_in_scope(user):
    return staff_scoped(Merchant.objects.all(), user, merchant="pk")


def _qty(value: str):
    value = (value or "").strip()
    return int(value) if value.isdigit() else value


@area_required("order_intake")
def order_upload(request):
    context = {"errors": [], "created": []}
    if request.method == "POST":
        upload = request.FILES.get("file")
        merchant = merchant_of(request.user)
        if merchant is None:
            merchant = _merchants_in_scope(request.user).filter(code=request.POST.get("merchant", "")).first()
        if upload is None or merchant is None:
            context["errors"] = [("—", "choose a merchant and a CSV file")]
        else:
            try:
                context["created"] = orders_import_csv(merchant=merchant, source=upload.file, actor=request.user)
            except ImportRejected as exc:
                context["errors"] = [(e.line, e.message) for e in exc.errors]
    context["merchants"] = _merchants_in_scope(request.user) if merchant_of(request.user) is None else []
    return render(request, "orders/order_upload.html", context)


@area_required("orders")
def inbox(request):
    return render(request, "orders/inbox.html", {
        "deliveries": inbox_needing_attention(user=request.user),
        "pending_orders": orders_waiting_for_allocation(user=request.user),
        "summary": waiting_work_summary(),
    })


@require_POST
@area_required("orders")
def inbox_replay_view(request, pk):
    get_object_or_404(inbox_deliveries_visible_to(request.user), pk=pk)
    try:
        _, dispatch = inbox_replay(delivery_id=pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:inbox")
    if dispatch.sent:
        messages.success(request, f"delivery {pk} queued for processing again")
    else:
        messages.warning(request, f"delivery {pk} marked for processing again; the task queue is unreachable "
                                  "right now, so the inbox sweep will process it when the queue is back")
    return redirect("orders:inbox")


@require_POST
@area_required("orders")
def inbox_allocate_view(request, pk):
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    try:
        dispatch = order_allocation_replay(order_id=order.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orders:inbox")
    if dispatch.sent:
        messages.success(request, f"order {order.order_number} queued for allocation")
    else:
        messages.warning(request, f"allocation of order {order.order_number} recorded; the task queue is unreachable "
                                  "right now, so the allocation sweep will allocate it when the queue is back")
    return redirect("orders:inbox")


@area_required("orders")
def outbox(request):
    return render(request, "orders/outbox.html", {
        "updates": outbox_needing_attention(user=request.user),
        "stock_pushes": stock_pushes_needing_attention(user=request.user),
    })


@require_POST
@area_required("orders")
def outbox_retry_view(request, pk):
    message = get_object_or_404(outbox_messages_visible_to(request.user), pk=pk)
    try:
        outbox_retry(message=message, actor=request.user)
        messages.success(request, f"storefront update {pk} queued to be sent again")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("orders:outbox")


@require_POST
@area_required("orders")
def stock_push_retry_view(request, pk):
    push = get_object_or_404(stock_pushes_visible_to(request.user), pk=pk)
    try:
        stock_push_retry(push=push, actor=request.user)
        messages.success(request, f"stock push {pk} queued to be sent again")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("orders:outbox")
