"""Cancelling an order: before picking, reservations are released; once picking started, the pick
work is stopped by the warehouse and picked units return to stock through the ledger; after
shipping, it is refused with the reason."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from inventory.models import Reservation
from orders.exceptions import IllegalTransition
from orders.models import FulfillmentOrder, Order, OutboxKind
from orders.selectors import cancellable
from orders.services.allocation import order_release_reservations
from orders.services.outbox import outbox_record
from orders.services.timeline import order_transition

# The WMS registers how it stops pick work and puts picked units back (orders never imports it).
PickStopper = Callable[..., int]
_pick_stoppers: list[PickStopper] = []


def register_pick_stopper(stopper: PickStopper) -> None:
    if stopper not in _pick_stoppers:
        _pick_stoppers.append(stopper)


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str, notify_storefront: bool = True) -> Order:
    """notify_storefront=False when the storefront itself cancelled the order: it needs no telling."""
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order.pk)
    ok, why = cancellable(order)
    if not ok:
        raise IllegalTransition(f"order {order.order_number} cannot be cancelled: {why}")
    line_ids = list(order.lines.values_list("pk", flat=True))
    for stopper in _pick_stoppers:
        stopper(order=order, actor=actor, reason=reason)
    if Reservation.objects.filter(order_line_id__in=line_ids, picked_qty__gt=0).exists():
        raise IllegalTransition(f"order {order.order_number}: picked units must be put back before cancelling")
    order_release_reservations(order=order, actor=actor, reason=f"order cancelled: {reason}")
    order.fulfillment_orders.exclude(status=FulfillmentOrder.Status.SHIPPED).update(status=FulfillmentOrder.Status.CANCELLED)
    for line in order.lines.all():
        shipped = sum(r.shipped_qty for r in Reservation.objects.filter(order_line_id=line.pk))
        line.cancelled_qty = line.quantity - shipped
        line.save(update_fields=["cancelled_qty"])
    order_transition(order=order, to=Order.Status.CANCELLED, actor=actor, reason=reason)
    if notify_storefront:
        outbox_record(order=order, kind=OutboxKind.CANCELLED, payload={"reason": reason})
    return order
