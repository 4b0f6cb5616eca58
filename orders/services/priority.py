"""Raising an order's priority: the pick queue works higher priorities first."""

from __future__ import annotations

from django.db import transaction

from orders.locks import lock_orders
from orders.models import Order
from orders.services.timeline import order_event
from orders.state import FINAL

URGENT_PRIORITY = 100


def order_priority_raise(*, order_ids, priority: int = URGENT_PRIORITY, actor, reason: str) -> list[Order]:
    """Raise each open order to at least `priority`; orders already there (or final) are left alone.

    Safe to run twice: an order raised once is not raised, nor noted on its timeline, again."""
    raised: list[Order] = []
    with transaction.atomic():
        for order in lock_orders(order_ids):
            if order.status in FINAL or order.priority >= priority:
                continue
            previous = order.priority
            order.priority = priority
            order.save(update_fields=["priority", "updated_at"])
            order_event(order=order, kind="priority_raised", message=f"Priority {previous} → {priority}: {reason}",
                        actor=actor, previous=previous, priority=priority)
            raised.append(order)
    return raised
