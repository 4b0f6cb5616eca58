"""Pending orders never wait on a lost task: the sweep allocates what its task did not, and an operator can
ask for allocation again from the inbox page."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.actors import actor_label
from core.dispatch import Dispatch, enqueue_after_commit
from core.errors import Conflict
from orders.models import Order
from orders.services.allocation import order_allocate
from orders.services.timeline import order_event

log = logging.getLogger(__name__)


def pending_orders_allocate(*, limit: int = 200) -> int:
    """Allocate, here and now, pending orders untouched for longer than their task should take. Runs in the
    sweep task itself, so a slow queue does not collect copies of the same allocation. Returns how many
    were allocated."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS)
    ids = list(
        Order.objects.filter(status=Order.Status.PENDING, updated_at__lte=cutoff)
        .order_by("updated_at", "id").values_list("pk", flat=True)[:limit]
    )
    done = 0
    for order_id in ids:
        try:
            order_allocate(order_id=order_id, actor="allocation sweep")
            done += 1
        except Exception:  # one order's failure must not starve the others; it stays pending and visible
            log.exception("allocation sweep: order %s could not be allocated", order_id)
    if ids:
        log.info("allocation sweep allocated %s of %s pending order(s)", done, len(ids))
    return done


def order_allocation_replay(*, order_id: int, actor) -> Dispatch:
    """An operator asks for a pending order to be allocated now. Recorded on the timeline; with the broker
    down the sweep allocates it when the broker is back."""
    from orders.tasks import allocate_order

    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",), no_key=True).get(pk=order_id)
        if order.status != Order.Status.PENDING:
            raise Conflict(f"order {order.order_number} is {order.get_status_display().lower()}, not waiting for allocation")
        order_event(order=order, kind="allocation_requested", actor=actor,
                    message=f"Allocation requested again by {actor_label(actor)}")
        return enqueue_after_commit(allocate_order, order.pk)
