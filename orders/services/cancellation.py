"""Cancelling an order: a saga between the OMS and the warehouse.

`order_cancel` cancels at once what the warehouse has no work for (reservations released, fulfillment
orders cancelled). A fulfillment order the warehouse is working on (in a wave, picking, packed, labelled)
goes to CANCEL_REQUESTED in the same transaction, and the task `warehouse.fulfillment_cancel` is queued
after commit, by name (orders never imports warehouse). The warehouse stops the work, puts the units back
and voids the labels through the owning apps' services, then reports back here:
`fulfillment_cancel_confirm`, or `fulfillment_cancel_refuse` when the parcel has already left. The order
is CANCELLED when every fulfillment order has reported, and the storefront is told once. A beat sweep
queues the task again for requests nobody answered (broker down, worker killed).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.actors import Actor
from core.audit import audit_record
from core.models import AuditAction, EventKind
from inventory.models import Reservation
from inventory.services.reservations import stock_release
from orders.exceptions import IllegalTransition
from orders.locks import lock_fulfillment, lock_order, lock_order_fulfillments
from orders.models import FulfillmentOrder, Order, OutboxKind
from orders.selectors import cancellable
from orders.services.allocation import order_release_reservations
from orders.services.events import order_event_record
from orders.services.fulfillments import fulfillment_transition
from orders.services.outbox import outbox_record
from orders.services.timeline import order_event, order_transition
from orders.state import FULFILLMENT_FINAL, FULFILLMENT_WMS_WORK, SHIPPED_OR_LATER

log = logging.getLogger(__name__)

WAREHOUSE_CANCEL_TASK = "warehouse.fulfillment_cancel"


@transaction.atomic
def order_cancel(*, order: Order, actor: Actor, reason: str, notify_storefront: bool = True) -> Order:
    """notify_storefront=False when the storefront itself cancelled the order: it needs no telling.

    Returns the order: CANCELLED when the warehouse had no work for it, else still in its status with its
    fulfillment orders in CANCEL_REQUESTED until the warehouse reports back. Asking again changes nothing."""
    order, fulfillments = lock_order_fulfillments(order.pk)
    ok, why = cancellable(order)
    if not ok:
        raise IllegalTransition(f"order {order.order_number} cannot be cancelled: {why}")
    now = timezone.now()
    asked = [f for f in fulfillments if f.status in FULFILLMENT_WMS_WORK]
    newly_asked = [f for f in asked if f.cancel_requested_at is None]
    for fulfillment in newly_asked:
        fulfillment_transition(
            fulfillment=fulfillment, to=FulfillmentOrder.Status.CANCEL_REQUESTED, actor=actor,
            reason=f"the warehouse is asked to stop: {reason}",
            extra={"cancel_requested_at": now, "cancel_reason": reason[:500], "cancel_notify_storefront": notify_storefront},
        )
        transaction.on_commit(partial(fulfillment_cancel_enqueue, fulfillment.pk), robust=True)
    keep = {f.warehouse_id for f in asked}
    order_release_reservations(order=order, actor=actor, reason=f"order cancelled: {reason}", keep_warehouse_ids=keep)
    for fulfillment in fulfillments:
        if fulfillment.warehouse_id not in keep and fulfillment.status not in FULFILLMENT_FINAL:
            fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.CANCELLED, actor=actor,
                                   reason=f"order cancelled: {reason}")
    if asked and not newly_asked:
        return order  # asked before: the warehouse is already stopping its work
    if asked:
        order_event(order=order, kind="cancel_requested", actor=actor,
                    message=f"Cancel requested: {reason}. Waiting for "
                            + ", ".join(f"{f.warehouse.code} (FO-{f.pk})" for f in asked) + " to stop the work",
                    fulfillment_orders=[f.pk for f in asked])
        _audit_cancel(order, actor, reason=reason, outcome="cancel_requested", fulfillment_orders=[f.pk for f in asked])
        return order
    was = order.status
    order = _order_cancelled(order, actor=actor, reason=reason, notify_storefront=notify_storefront)
    if was != Order.Status.CANCELLED:
        _audit_cancel(order, actor, reason=reason, outcome="cancelled")
    return order


def _audit_cancel(order: Order, actor: Actor, **details) -> None:
    """The decision to cancel, once per order: asking again, or the warehouse reporting back, adds none."""
    audit_record(action=AuditAction.ORDER_CANCELLED, actor=actor, obj=order, object_label=order.order_number,
                 merchant_id=order.merchant_id, details=details)


def fulfillment_cancel_enqueue(fulfillment_id: int) -> None:
    """Queue the warehouse's task by name: the OMS does not import the WMS."""
    from celery import current_app

    current_app.send_task(WAREHOUSE_CANCEL_TASK, args=[fulfillment_id])


@transaction.atomic
def fulfillment_cancel_confirm(*, fulfillment_id: int, actor: Actor, summary: str) -> Order:
    """The warehouse stopped its work and put every picked unit back: the reservations there are released
    and the fulfillment order is cancelled. The caller holds the order and fulfillment order locks, or
    this takes them. Reporting twice changes nothing."""
    order_id = FulfillmentOrder.objects.values_list("order_id", flat=True).get(pk=fulfillment_id)
    order = lock_order(order_id)
    fulfillment = lock_fulfillment(fulfillment_id)
    if fulfillment.cancel_requested_at is None:
        return order
    line_ids = list(order.lines.values_list("pk", flat=True))
    here = Reservation.objects.filter(order_line_id__in=line_ids, warehouse_id=fulfillment.warehouse_id)
    if here.filter(picked_qty__gt=0).exists():
        raise IllegalTransition(f"FO-{fulfillment.pk}: picked units must be put back before it is cancelled")
    for reservation in here.filter(qty__gt=0).select_related("product").order_by("product_id"):
        stock_release(reservation=reservation, actor=actor, reason=f"order cancelled: {fulfillment.cancel_reason}")
    fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.CANCELLED, actor=actor,
                           reason=f"the warehouse stopped: {summary}", extra={"cancel_requested_at": None})
    return _finish_when_all_reported(order, fulfillment, actor)


@transaction.atomic
def fulfillment_cancel_refuse(*, fulfillment_id: int, actor: Actor, reason: str) -> Order:
    """The warehouse cannot stop it (the carrier has collected it): the cancel request is refused with the
    reason on the timeline and the fulfillment order carries on (it ships). Reporting twice changes nothing."""
    order_id = FulfillmentOrder.objects.values_list("order_id", flat=True).get(pk=fulfillment_id)
    order = lock_order(order_id)
    fulfillment = lock_fulfillment(fulfillment_id)
    if fulfillment.cancel_requested_at is None:
        return order
    if fulfillment.status == FulfillmentOrder.Status.CANCEL_REQUESTED:
        fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.PACKED, actor=actor,
                               reason=f"cancel refused: {reason}", extra={"cancel_requested_at": None})
    else:
        fulfillment_transition(fulfillment=fulfillment, to=fulfillment.status, actor=actor, reason="",
                               extra={"cancel_requested_at": None})
    order_event(order=order, kind="cancel_refused", actor=actor,
                message=f"Cancel refused for FO-{fulfillment.pk} ({fulfillment.warehouse.code}): {reason}",
                fulfillment_order=fulfillment.pk)
    return _finish_when_all_reported(order, fulfillment, actor)


def _finish_when_all_reported(order: Order, fulfillment: FulfillmentOrder, actor: Actor) -> Order:
    fulfillments = list(order.fulfillment_orders.all())
    if any(f.cancel_requested_at is not None for f in fulfillments):
        return order
    if any(f.status not in FULFILLMENT_FINAL for f in fulfillments) or order.status in SHIPPED_OR_LATER:
        return order  # a refused part carries on; the order follows it
    return _order_cancelled(order, actor=actor, reason=fulfillment.cancel_reason or "cancelled",
                            notify_storefront=fulfillment.cancel_notify_storefront)


def _order_cancelled(order: Order, *, actor: Actor, reason: str, notify_storefront: bool) -> Order:
    """Caller holds the order lock; the status change makes the storefront's message happen once."""
    if order.status == Order.Status.CANCELLED:
        return order
    shipped = _shipped_by_line(order)
    for line in order.lines.all():
        line.cancelled_qty = line.quantity - (shipped.get(line.pk) or 0)
        line.save(update_fields=["cancelled_qty"])
    order_transition(order=order, to=Order.Status.CANCELLED, actor=actor, reason=reason)
    if notify_storefront:
        outbox_record(order=order, kind=OutboxKind.CANCELLED, payload={"reason": reason})
    shipped_units = sum(n or 0 for n in shipped.values())
    order_event_record(EventKind.ORDER_CANCELLED, order=order, reason=reason, shipped_units=shipped_units,
                       cancelled_units=sum(line.cancelled_qty for line in order.lines.all() if line.cancelled_qty > 0))
    return order


def _shipped_by_line(order: Order) -> dict[int, int]:
    line_ids = list(order.lines.values_list("pk", flat=True))
    return dict(
        Reservation.objects.filter(order_line_id__in=line_ids).values_list("order_line_id").annotate(n=Sum("shipped_qty"))
    )


def fulfillment_cancels_enqueue_stuck(*, older_than: dt.timedelta) -> int:
    """Queue the warehouse's task again for cancel requests nobody answered (the enqueue after commit was
    lost, or the worker died). The task is idempotent, so a request still in flight is harmless."""
    due = timezone.now() - older_than
    ids = list(
        FulfillmentOrder.objects.filter(cancel_requested_at__isnull=False, cancel_requested_at__lte=due)
        .order_by("cancel_requested_at").values_list("pk", flat=True)[:500]
    )
    for fulfillment_id in ids:
        try:
            fulfillment_cancel_enqueue(fulfillment_id)
        except Exception:  # broker still down: the next sweep tries again
            log.warning("could not queue the cancel of FO-%s", fulfillment_id, exc_info=True)
            break
    return len(ids)
