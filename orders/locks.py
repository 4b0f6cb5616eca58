"""Every row lock the OMS takes, in one place, in the house order: Order, then its FulfillmentOrders by
primary key (ARCHITECTURE.md, "Cross-app workflows"), before any stock.

Every helper locks the row itself (`of=("self",)`) with FOR NO KEY UPDATE (`no_key=True`): inserts that
reference an order or fulfillment order (events, outbox rows, pick slots) only take KEY SHARE and are never
stalled. Rows loaded with `related` (the merchant, the warehouse) are read, never locked: a FOR UPDATE on a
Merchant or a Warehouse would stall every order, reservation and ledger insert that references it.
"""

from __future__ import annotations

from collections.abc import Iterable

from orders.models import FulfillmentOrder, Order


def _locked(queryset):
    return queryset.select_for_update(of=("self",), no_key=True)


def lock_order(order_id: int, *, related: Iterable[str] = ("channel",)) -> Order:
    rows = Order.objects.filter(pk=order_id)
    related = tuple(related)
    if related:
        rows = rows.select_related(*related)
    return _locked(rows).get()


def lock_orders(order_ids) -> list[Order]:
    return list(_locked(Order.objects.filter(pk__in=list(order_ids)).order_by("pk")))


def lock_fulfillment_order(fulfillment_order_id: int, *, related: Iterable[str] = ()) -> FulfillmentOrder:
    rows = FulfillmentOrder.objects.filter(pk=fulfillment_order_id)
    related = tuple(related)
    if related:
        rows = rows.select_related(*related)
    return _locked(rows).get()


def lock_fulfillment(fulfillment_id: int) -> FulfillmentOrder:
    return lock_fulfillment_order(fulfillment_id, related=("order", "warehouse"))


def lock_fulfillments(fulfillment_ids) -> list[FulfillmentOrder]:
    return list(_locked(FulfillmentOrder.objects.select_related("warehouse").filter(pk__in=list(fulfillment_ids)).order_by("pk")))


def lock_order_fulfillments(order_id: int) -> tuple[Order, list[FulfillmentOrder]]:
    order = lock_order(order_id)
    fulfillments = list(_locked(FulfillmentOrder.objects.select_related("warehouse").filter(order_id=order_id).order_by("pk")))
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
