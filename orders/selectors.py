import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from orders.models import FulfillmentOrder, Order, OutboxMessage


def orders_visible_to(user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("merchant", "channel")


def order_detail_queryset(user) -> QuerySet[Order]:
    return orders_visible_to(user).prefetch_related("lines", "holds", "events")


def _earlier_unsent() -> Exists:
    return Exists(
        OutboxMessage.objects.filter(order_id=OuterRef("order_id"), sequence__lt=OuterRef("sequence"))
        .exclude(status=OutboxMessage.Status.SENT)
    )


def outbox_due_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending messages that may go now: due, not in flight, first unsent of their order."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .exclude(_earlier_unsent())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_needing_attention(*, limit: int = 200) -> QuerySet[OutboxMessage]:
    """Parked messages first, then pending ones (with whether they wait behind an earlier one), oldest first."""
    return (
        OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT)
        .select_related("channel", "order")
        .annotate(blocked=_earlier_unsent())
        .order_by("status", "created_at", "id")[:limit]  # "failed" sorts before "pending"
    )


def orders_awaiting_release(warehouse=None) -> QuerySet[Order]:
    """Allocated orders of merchants who release in batches, with work waiting at `warehouse` (any when None),
    most urgent first."""
    waiting = {"fulfillment_orders__status": FulfillmentOrder.Status.ALLOCATED}
    if warehouse is not None:
        waiting["fulfillment_orders__warehouse"] = warehouse
    return (Order.objects.filter(status=Order.Status.ALLOCATED, **waiting).distinct()
            .order_by("-priority", F("ship_by").asc(nulls_last=True), "id"))


def shipped_qty_by_line(order_id: int) -> dict[int, int]:
    """Units of each order line that left a warehouse (what a customer can send back)."""
    from django.db.models import Sum

    from orders.models import FulfillmentLine

    rows = (FulfillmentLine.objects.filter(fulfillment_order__order_id=order_id, shipped_qty__gt=0)
            .values("order_line_id").annotate(n=Sum("shipped_qty")))
    return {row["order_line_id"]: row["n"] for row in rows}


def shipping_warehouse_ids(order_id: int) -> list[int]:
    """Warehouses that shipped this order, the first shipment first."""
    return list(FulfillmentOrder.objects.filter(order_id=order_id, status=FulfillmentOrder.Status.SHIPPED)
                .order_by("shipped_at", "pk").values_list("warehouse_id", flat=True).distinct())
