"""Reads for the merchant portal. Every queryset starts from the merchant's own rows (`visible_to`/`for_merchant`)
and loads what its page shows, so a list costs a fixed number of queries however long it is."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from inventory.models import Merchant, StockLevel
from orders.models import FulfillmentOrder, Order
from returns.models import ReturnAuthorization, RmaStatus
from warehouse.models import PurchaseOrder

DONE_ORDER_STATUSES = (Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.CANCELLED)
DONE_PO_STATUSES = (PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CANCELLED)


def portal_orders(user, *, query: str = "", status: str = "") -> QuerySet[Order]:
    orders = Order.objects.visible_to(user).select_related("channel").annotate(line_count=Count("lines"))
    if query:
        tracked = FulfillmentOrder.objects.filter(tracking_number=query).values("order_id")
        orders = orders.filter(Q(order_number__icontains=query) | Q(external_id=query) | Q(email__iexact=query)
                               | Q(customer_name__icontains=query) | Q(pk__in=tracked))
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def portal_order_detail(user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("channel").prefetch_related(
        "lines__product", "holds", "events",
        Prefetch("fulfillment_orders", FulfillmentOrder.objects.select_related("warehouse").order_by("pk")),
    )


def portal_stock(user, merchant: Merchant, *, sku: str = "", warehouse: str = "") -> QuerySet[StockLevel]:
    """On hand, reserved (allocated to orders) and available per SKU per warehouse."""
    levels = (StockLevel.objects.filter(product__merchant_id=merchant.pk)
              .select_related("product", "warehouse")
              .annotate(available_qty=F("on_hand") - F("allocated") - F("unavailable")))
    if sku:
        levels = levels.filter(Q(product__sku__icontains=sku) | Q(product__name__icontains=sku))
    if warehouse:
        levels = levels.filter(warehouse__code=warehouse)
    return levels.order_by("product__sku", "warehouse__code")


def portal_purchase_orders(user, *, query: str = "", status: str = "") -> QuerySet[PurchaseOrder]:
    pos = PurchaseOrder.objects.visible_to(user).select_related("warehouse").annotate(
        line_count=Count("lines", distinct=True), receipt_count=Count("receipts", distinct=True))
    if query:
        pos = pos.filter(Q(number__icontains=query) | Q(supplier__icontains=query))
    if status:
        pos = pos.filter(status=status)
    return pos.order_by("-created_at", "-id")


def portal_purchase_order_detail(user) -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.visible_to(user).select_related("warehouse").prefetch_related(
        "lines__product", "receipts__putaway_tasks")


def portal_rmas(user, *, query: str = "", status: str = "") -> QuerySet[ReturnAuthorization]:
    rmas = (ReturnAuthorization.objects.visible_to(user).select_related("order", "warehouse")
            .defer("label_pdf", "label_zpl").annotate(line_count=Count("lines")))
    if query:
        number = query.upper().removeprefix("RMA:")
        rmas = rmas.filter(Q(number__icontains=number) | Q(order__order_number=query) | Q(tracking_number=query))
    if status:
        rmas = rmas.filter(status=status)
    return rmas.order_by("-created_at", "-id")


def portal_rma_detail(user) -> QuerySet[ReturnAuthorization]:
    return (ReturnAuthorization.objects.visible_to(user).select_related("order", "warehouse", "replacement_order")
            .defer("label_pdf", "label_zpl").prefetch_related("lines__product", "lines__reason", "events"))


def portal_summary(user, merchant: Merchant) -> dict:
    """The home page's figures: open orders, units on hand and available, open inbound, returns in progress."""
    orders = Order.objects.for_merchant(merchant).aggregate(
        open=Count("pk", filter=~Q(status__in=DONE_ORDER_STATUSES)),
        on_hold=Count("pk", filter=Q(status=Order.Status.ON_HOLD)))
    stock = StockLevel.objects.filter(product__merchant_id=merchant.pk).aggregate(
        skus=Count("product", distinct=True), units_on_hand=_sum("on_hand"),
        units_available=_sum(F("on_hand") - F("allocated") - F("unavailable")))
    inbound = PurchaseOrder.objects.for_merchant(merchant).exclude(status__in=DONE_PO_STATUSES).count()
    returns = ReturnAuthorization.objects.for_merchant(merchant).exclude(
        status__in=(RmaStatus.CLOSED, RmaStatus.CANCELLED)).count()
    return {"orders": orders, "stock": stock, "inbound_open": inbound, "returns_open": returns}


def _sum(expression):
    return Coalesce(Sum(expression), 0)
