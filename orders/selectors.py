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


def stock_push_due_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending stock pushes that may go now: due and not in flight."""
    from orders.models import StockPush

    now = now or timezone.now()
    return list(
        StockPush.objects.filter(status=StockPush.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def stock_pushes_needing_attention(*, limit: int = 200):
    """Parked stock pushes first, then pending ones that have failed at least once, oldest change first."""
    from orders.models import StockPush

    return (
        StockPush.objects.filter(Q(status=StockPush.Status.FAILED) | Q(status=StockPush.Status.PENDING, attempts__gt=0))
        .select_related("channel", "product")
        .order_by("status", "changed_at", "id")[:limit]  # "failed" sorts before "pending"
    )


def backordered_product_ids_in_stock(product_ids=None) -> list[int]:
    """Products (of `product_ids`, or any) that an order waits for (a line of a backordered or partly
    allocated order not yet fully reserved) and that some warehouse can sell now."""
    from django.db.models import Exists, ExpressionWrapper, IntegerField, Subquery, Sum
    from django.db.models.functions import Coalesce

    from inventory.models import Reservation, StockLevel
    from orders.models import OrderLine

    in_stock = StockLevel.objects.filter(product_id=OuterRef("product_id"), warehouse__is_active=True).filter(
        on_hand__gt=F("allocated") + F("unavailable")
    )
    reserved = (
        Reservation.objects.filter(order_line_id=OuterRef("pk")).values("order_line_id")
        .annotate(n=Sum(F("qty") + F("picked_qty") + F("shipped_qty"))).values("n")
    )
    lines = OrderLine.objects.filter(
        order__status__in=[Order.Status.BACKORDERED, Order.Status.PARTIALLY_ALLOCATED], product_id__isnull=False
    )
    if product_ids is not None:
        lines = lines.filter(product_id__in=list(product_ids))
    return sorted(set(
        lines.annotate(
            reserved=Coalesce(Subquery(reserved, output_field=IntegerField()), 0),
            open=ExpressionWrapper(F("quantity") - F("cancelled_qty"), output_field=IntegerField()),
        )
        .filter(reserved__lt=F("open"))
        .filter(Exists(in_stock)).values_list("product_id", flat=True)
    ))
