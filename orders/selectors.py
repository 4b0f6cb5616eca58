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


def inbox_needing_attention(*, limit: int = 200):
    """Every delivery not yet turned into an order change: parked first, then failed, processing and
    received, oldest first, so work a lost task left behind is seen and can be replayed."""
    from django.db.models import Case, IntegerField, Value, When

    from orders.models import InboxDelivery

    S = InboxDelivery.Status
    rank = Case(When(status=S.PARKED, then=Value(0)), When(status=S.FAILED, then=Value(1)),
                When(status=S.PROCESSING, then=Value(2)), default=Value(3), output_field=IntegerField())
    return (
        InboxDelivery.objects.filter(status__in=[S.PARKED, S.FAILED, S.PROCESSING, S.RECEIVED])
        .select_related("channel", "order").annotate(rank=rank).order_by("rank", "received_at", "id")[:limit]
    )


def orders_waiting_for_allocation(*, limit: int = 200) -> QuerySet[Order]:
    """Pending orders (no hold), oldest first: each waits for an allocation task or the sweep."""
    return Order.objects.filter(status=Order.Status.PENDING).select_related("channel").order_by("updated_at", "id")[:limit]


def waiting_work_summary(*, now: dt.datetime | None = None) -> dict:
    """How much work waits on a task and how old the oldest is, for /healthz and the inbox page."""
    from django.db.models import Count, Min

    from orders.models import InboxDelivery

    now = now or timezone.now()
    S = InboxDelivery.Status
    deliveries = InboxDelivery.objects.filter(status__in=[S.RECEIVED, S.PROCESSING, S.FAILED]).aggregate(
        n=Count("id"), oldest=Min("received_at"))
    parked = InboxDelivery.objects.filter(status=S.PARKED).count()
    orders = Order.objects.filter(status=Order.Status.PENDING).aggregate(n=Count("id"), oldest=Min("updated_at"))

    def age(moment):
        return round((now - moment).total_seconds(), 1) if moment else 0.0

    return {
        "deliveries_waiting": deliveries["n"], "oldest_waiting_delivery_seconds": age(deliveries["oldest"]),
        "deliveries_parked": parked,
        "orders_pending": orders["n"], "oldest_pending_order_seconds": age(orders["oldest"]),
    }
