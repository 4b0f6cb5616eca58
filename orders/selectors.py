"""Reads of order state: what an order may still do, what keeps it on hold, where and when it ships, which
channels to call. Writes live in orders.services."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from inventory.models import Reservation
from inventory.models.tenancy import staff_scope_q
from layout.models import Warehouse
from orders.models import (
    STOREFRONT_KINDS,
    Channel,
    ChannelLocation,
    FulfillmentOrder,
    HoldKind,
    Order,
    OrderHold,
    OutboxMessage,
    PaymentStatus,
    RoutingPolicy,
    ServiceLevel,
)
from orders.state import (
    FINAL,
    FULFILLMENT_LABELLED,
    FULFILLMENT_PICKING_STARTED,
    FULFILLMENT_WMS_WORK,
    PICKING_STARTED,
    SHIPPED_OR_LATER,
)

REQUIRED_ADDRESS_FIELDS = ("name", "line1", "city", "postal_code", "country")
COUNTRIES_NEEDING_REGION = {"US", "CA", "AU"}
PAYMENT_HOLD_STATUSES = {PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID}


def _in_scope(rows: QuerySet, user) -> QuerySet:
    """Inbox, outbox and stock-push rows of the merchants in a staff user's scope (by their channel); no user:
    every row (the sweeps and the health check)."""
    return rows if user is None else rows.filter(staff_scope_q(user, merchant="channel__merchant_id"))


def inbox_deliveries_visible_to(user) -> QuerySet:
    from orders.models import InboxDelivery

    return _in_scope(InboxDelivery.objects.all(), user)


def outbox_messages_visible_to(user) -> QuerySet[OutboxMessage]:
    return _in_scope(OutboxMessage.objects.all(), user)


def stock_pushes_visible_to(user) -> QuerySet:
    from orders.models import StockPush

    return _in_scope(StockPush.objects.all(), user)


def orders_visible_to(user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("merchant", "channel")


def order_detail_queryset(user) -> QuerySet[Order]:
    return orders_visible_to(user).prefetch_related("lines", "holds", "events", "fulfillment_orders")


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


def outbox_needing_attention(*, limit: int = 200, user=None) -> QuerySet[OutboxMessage]:
    """Parked messages first, then pending ones (with whether they wait behind an earlier one), oldest first;
    for a staff `user`, only their merchants' channels."""
    return (
        _in_scope(OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT), user)
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


# --- what an order may still do ------------------------------------------------------------


def _fulfillment_statuses(order: Order) -> set[str]:
    """Through `.all()`, so fulfillment orders prefetched (or in hand) answer without a query."""
    return {fulfillment.status for fulfillment in order.fulfillment_orders.all()}


def cancellable(order: Order) -> tuple[bool, str]:
    if order.status in SHIPPED_OR_LATER:
        return False, "the order has already shipped; start a return instead"
    if order.status == Order.Status.CANCELLED:
        return False, "the order is already cancelled"
    statuses = _fulfillment_statuses(order)
    if FulfillmentOrder.Status.CANCEL_REQUESTED in statuses:
        return True, "already being cancelled: the warehouse is stopping its work"
    if statuses & FULFILLMENT_WMS_WORK:
        return True, "the warehouse has started: it stops the work, puts units back and voids labels first"
    return True, "nothing has been picked yet"


def address_editable(order: Order) -> tuple[bool, str]:
    """The address can still be corrected after picking, until a label is bought."""
    if order.status in FINAL:
        return False, f"the order is {order.get_status_display().lower()}"
    if _fulfillment_statuses(order) & set(FULFILLMENT_LABELLED):
        return False, "a label has been bought; void it first"
    return True, "no label bought yet"


def editable(order: Order) -> tuple[bool, str]:
    """Decided from the statuses the warehouse reported (`fulfillment_transition`); callers that act on the
    answer hold the order's lock, so a wave planned or a picker starting after it waits for their commit."""
    if order.status in FINAL:
        return False, f"the order is {order.get_status_display().lower()}"
    statuses = _fulfillment_statuses(order)
    if order.status in PICKING_STARTED or statuses & FULFILLMENT_PICKING_STARTED:
        return False, "picking has started; cancel the order instead"
    if FulfillmentOrder.Status.IN_WAVE in statuses:
        return False, "the warehouse has planned it into a pick wave; ask them to take it out first"
    return True, "nothing has been picked yet"


# --- holds ----------------------------------------------------------------------------------


def order_problems(order: Order) -> dict[str, str]:
    """What keeps the order from proceeding, by hold kind; empty when it may go on."""
    problems: dict[str, str] = {}
    lines = list(order.lines.all())
    unknown = sorted({line.sku or "(blank)" for line in lines if line.product_id is None})
    if unknown:
        problems[HoldKind.UNKNOWN_SKU] = f"unknown SKU(s): {', '.join(unknown)}"
    if not lines or any(line.quantity <= 0 for line in lines):
        problems[HoldKind.INVALID_QUANTITY] = "the order has no lines" if not lines else "a line has a quantity of zero"
    if order.payment_status in PAYMENT_HOLD_STATUSES:
        problems[HoldKind.PAYMENT_PENDING] = f"payment is {order.get_payment_status_display().lower()}"
    missing = [f.replace("_", " ") for f in REQUIRED_ADDRESS_FIELDS if not getattr(order, f"ship_{f}")]
    if order.ship_country in COUNTRIES_NEEDING_REGION and not order.ship_region:
        missing.append("region")
    if missing:
        problems[HoldKind.ADDRESS_INVALID] = f"ship-to address is missing: {', '.join(missing)}"
    return problems


def open_hold_kinds(order: Order) -> set[str]:
    return set(OrderHold.objects.filter(order=order, released_at__isnull=True).values_list("kind", flat=True))


# --- allocation -----------------------------------------------------------------------------


def policy_for(merchant) -> RoutingPolicy:
    return RoutingPolicy.objects.filter(merchant=merchant).first() or RoutingPolicy(merchant=merchant)


def reserved_by_line(line_ids) -> dict[int, int]:
    rows = (
        Reservation.objects.filter(order_line_id__in=list(line_ids))
        .values("order_line_id")
        .annotate(n=Sum(F("qty") + F("picked_qty") + F("shipped_qty")))
    )
    return {row["order_line_id"]: row["n"] or 0 for row in rows}


def ship_by_for(order: Order, warehouse: Warehouse) -> dt.datetime:
    """The warehouse's cut-off on the day the order must leave: same day for expedited and
    overnight placed before cut-off, the next working day for standard; weekends skipped."""
    tz = ZoneInfo(warehouse.timezone)
    placed = (order.placed_at or order.created_at or timezone.now()).astimezone(tz)
    day = placed.date()
    if placed.time() >= warehouse.order_cutoff:
        day += dt.timedelta(days=1)
    if order.service_level == ServiceLevel.STANDARD:
        day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, warehouse.order_cutoff, tzinfo=tz)


# --- channels -------------------------------------------------------------------------------


def channel_can_be_told(channel: Channel) -> bool:
    """Only storefronts with an API to call get outbox rows; REST API and CSV orders have nobody to tell."""
    return channel.is_active and channel.kind in STOREFRONT_KINDS and bool(channel.api_base_url)


def pullable_channel_ids() -> list[int]:
    return list(
        Channel.objects.filter(is_active=True, kind__in=STOREFRONT_KINDS).exclude(api_base_url="").values_list("pk", flat=True)
    )


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


def stock_pushes_needing_attention(*, limit: int = 200, user=None):
    """Parked stock pushes first, then pending ones that have failed at least once, oldest change first; for a
    staff `user`, only their merchants' channels."""
    from orders.models import StockPush

    return (
        _in_scope(StockPush.objects.all(), user).filter(Q(status=StockPush.Status.FAILED) | Q(status=StockPush.Status.PENDING, attempts__gt=0))
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


def inbox_needing_attention(*, limit: int = 200, user=None):
    """Every delivery not yet turned into an order change: parked first, then failed, processing and
    received, oldest first, so work a lost task left behind is seen and can be replayed; for a staff `user`,
    only their merchants' channels."""
    from django.db.models import Case, IntegerField, Value, When

    from orders.models import InboxDelivery

    S = InboxDelivery.Status
    rank = Case(When(status=S.PARKED, then=Value(0)), When(status=S.FAILED, then=Value(1)),
                When(status=S.PROCESSING, then=Value(2)), default=Value(3), output_field=IntegerField())
    return (
        _in_scope(InboxDelivery.objects.all(), user).filter(status__in=[S.PARKED, S.FAILED, S.PROCESSING, S.RECEIVED])
        .select_related("channel", "order").annotate(rank=rank).order_by("rank", "received_at", "id")[:limit]
    )


def orders_waiting_for_allocation(*, limit: int = 200, user=None) -> QuerySet[Order]:
    """Pending orders (no hold), oldest first: each waits for an allocation task or the sweep."""
    rows = Order.objects.all() if user is None else Order.objects.visible_to(user)
    return rows.filter(status=Order.Status.PENDING).select_related("channel").order_by("updated_at", "id")[:limit]


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


# Webhook hot path: each web process keeps the channels it serves for a short while. A cached copy only
# ever speeds up an acceptance, which the INSERT guards with the channel's stored state; every other answer
# is decided on a fresh read.
_WEBHOOK_CHANNELS: dict[int, tuple[float, Channel]] = {}
WEBHOOK_CHANNEL_TTL_SECONDS = 30.0


def webhook_channel(channel_id: int, kind: str, *, fresh: bool = False) -> Channel | None:
    """The active channel a webhook is addressed to; None when there is none of that kind."""
    now = time.monotonic()
    if not fresh:
        hit = _WEBHOOK_CHANNELS.get(channel_id)
        if hit is not None and now - hit[0] < WEBHOOK_CHANNEL_TTL_SECONDS:
            return hit[1] if hit[1].kind == kind else None
        if hit is None and len(_WEBHOOK_CHANNELS) > 10_000:
            _WEBHOOK_CHANNELS.clear()
    channel = Channel.objects.filter(pk=channel_id, kind=kind, is_active=True).first()
    if channel is None:
        _WEBHOOK_CHANNELS.pop(channel_id, None)
    else:
        _WEBHOOK_CHANNELS[channel_id] = (now, channel)
    return channel


def forget_webhook_channel(channel_id: int) -> None:
    _WEBHOOK_CHANNELS.pop(channel_id, None)


def channel_locations(channel) -> dict[str, list[int]]:
    """Storefront location id -> the warehouses whose stock shows there; empty when the channel has none
    (one number per product, at its default location). Only Shopify sets stock per location."""
    if channel.kind != Channel.Kind.SHOPIFY:
        return {}
    locations: dict[str, list[int]] = {}
    for location_id, warehouse_id in ChannelLocation.objects.filter(channel=channel).values_list("location_id", "warehouse_id"):
        locations.setdefault(location_id, []).append(warehouse_id)
    return locations
