"""Row locks the OMS takes, in the house order: Order, then FulfillmentOrder (by pk), before any stock.

Every helper locks the row itself (`of=("self",)`) with FOR NO KEY UPDATE (`no_key=True`). Rows loaded
with `related` (the merchant, the warehouse) are read, never locked: a FOR UPDATE on a Merchant or a
Warehouse would stall every order, reservation and ledger insert that references it.
"""

from __future__ import annotations

from collections.abc import Iterable

from orders.models import FulfillmentOrder, Order


def lock_order(order_id: int, *, related: Iterable[str] = ()) -> Order:
    rows = Order.objects.filter(pk=order_id)
    related = tuple(related)
    if related:
        rows = rows.select_related(*related)
    return rows.select_for_update(of=("self",), no_key=True).get()


def lock_fulfillment_order(fulfillment_order_id: int, *, related: Iterable[str] = ()) -> FulfillmentOrder:
    rows = FulfillmentOrder.objects.filter(pk=fulfillment_order_id)
    related = tuple(related)
    if related:
        rows = rows.select_related(*related)
    return rows.select_for_update(of=("self",), no_key=True).get()
