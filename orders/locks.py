"""Every row lock the OMS takes, in one place.

Order first, then its fulfillment orders by primary key (ARCHITECTURE.md, "Cross-app workflows"). A lock on
an Order or FulfillmentOrder is FOR NO KEY UPDATE: inserts that reference them (events, outbox rows, pick
slots) only take KEY SHARE and are never stalled.
"""

from __future__ import annotations

from orders.models import FulfillmentOrder, Order


def lock_order(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",), no_key=True).select_related("channel").get(pk=order_id)


def lock_orders(order_ids) -> list[Order]:
    return list(Order.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=list(order_ids)).order_by("pk"))


def lock_fulfillment(fulfillment_id: int) -> FulfillmentOrder:
    return (FulfillmentOrder.objects.select_for_update(of=("self",), no_key=True)
            .select_related("order", "warehouse").get(pk=fulfillment_id))


def lock_fulfillments(fulfillment_ids) -> list[FulfillmentOrder]:
    return list(
        FulfillmentOrder.objects.select_for_update(of=("self",), no_key=True).select_related("warehouse")
        .filter(pk__in=list(fulfillment_ids)).order_by("pk")
    )


def lock_order_fulfillments(order_id: int) -> tuple[Order, list[FulfillmentOrder]]:
    order = lock_order(order_id)
    fulfillments = list(
        FulfillmentOrder.objects.select_for_update(of=("self",), no_key=True).select_related("warehouse")
        .filter(order_id=order_id).order_by("pk")
    )
    return order, fulfillments


def lock_for_fulfillments(fulfillment_ids) -> list[FulfillmentOrder]:
    """The orders of these fulfillment orders, then the fulfillment orders themselves: what a warehouse use
    case takes first, before its sessions, packs and stock."""
    ids = sorted(set(fulfillment_ids))
    order_ids = FulfillmentOrder.objects.filter(pk__in=ids).values_list("order_id", flat=True)
    lock_orders(set(order_ids))
    return lock_fulfillments(ids)


def try_lock_for_fulfillments(fulfillment_ids) -> bool:
    """As `lock_for_fulfillments`, but never waits: False when another transaction holds one of the rows
    (a claim skips that work for now, as SKIP LOCKED queues do)."""
    ids = sorted(set(fulfillment_ids))
    order_ids = sorted(set(FulfillmentOrder.objects.filter(pk__in=ids).values_list("order_id", flat=True)))
    orders = Order.objects.select_for_update(of=("self",), no_key=True, skip_locked=True).filter(pk__in=order_ids)
    if len(list(orders.order_by("pk").values_list("pk", flat=True))) != len(order_ids):
        return False
    rows = FulfillmentOrder.objects.select_for_update(of=("self",), no_key=True, skip_locked=True).filter(pk__in=ids)
    return len(list(rows.order_by("pk").values_list("pk", flat=True))) == len(ids)
