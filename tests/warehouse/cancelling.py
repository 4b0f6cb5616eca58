"""Cancelling as customer service does, then letting the warehouse act on it as its worker would."""

from __future__ import annotations

from orders.models import FulfillmentOrder
from orders.services.cancellation import order_cancel
from warehouse.tasks import fulfillment_cancel_task


def warehouse_acts_on_cancels(order) -> list[str]:
    """Run the warehouse's task for every cancel request of the order (what the worker does after commit)."""
    ids = FulfillmentOrder.objects.filter(order=order, cancel_requested_at__isnull=False).order_by("pk").values_list("pk", flat=True)
    return [fulfillment_cancel_task.apply(args=[pk], throw=True).get() for pk in ids]


def order_cancel_through_warehouse(*, order, actor, reason: str, **kwargs):
    order_cancel(order=order, actor=actor, reason=reason, **kwargs)
    warehouse_acts_on_cancels(order)
    order.refresh_from_db()
    return order
