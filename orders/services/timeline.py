from __future__ import annotations

from core.actors import actor_label
from orders.exceptions import HoldError, IllegalTransition
from orders.models import Order, OrderEvent, OrderHold
from orders.state import FULFILLMENT_PICKING_STARTED, can_transition


def order_event(*, order: Order, kind: str, message: str, actor=None, **data) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, kind=kind, message=message, actor_label=actor_label(actor),
        actor=None if actor is None or isinstance(actor, str) else actor, data=data,
    )


def order_transition(*, order: Order, to: str, actor, reason: str) -> Order:
    """Validate against the lifecycle table, save, and write the timeline entry. Caller holds the order lock."""
    if order.status == to:
        return order
    if not can_transition(order.status, to):
        raise IllegalTransition(
            f"order {order.order_number} cannot go from {order.get_status_display().lower()} to "
            f"{Order.Status(to).label.lower()}", status=order.status,
        )
    previous = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at"])
    order_event(order=order, kind="status", message=f"{Order.Status(previous).label} → {Order.Status(to).label}: {reason}",
                actor=actor, previous=previous, status=to)
    return order


def hold_place(*, order: Order, kind: str, reason: str, actor) -> OrderHold:
    """Put a typed hold on the order (idempotent per kind) and move it on hold. Caller holds the lock."""
    hold = OrderHold.objects.filter(order=order, kind=kind, released_at__isnull=True).first()
    if hold is None:
        hold = OrderHold.objects.create(order=order, kind=kind, reason=reason, placed_by=actor_label(actor))
        order_event(order=order, kind="hold_placed", message=f"Hold: {hold.get_kind_display()}: {reason}", actor=actor, hold=kind)
    if order.status != Order.Status.ON_HOLD and can_transition(order.status, Order.Status.ON_HOLD):
        order_transition(order=order, to=Order.Status.ON_HOLD, actor=actor, reason=hold.get_kind_display())
    return hold


def hold_release_kind(*, order: Order, kind: str, actor, reason: str) -> bool:
    """Release the open hold of `kind`, if any; the order leaves hold when no hold is left."""
    from django.utils import timezone

    hold = OrderHold.objects.filter(order=order, kind=kind, released_at__isnull=True).first()
    if hold is None:
        return False
    hold.released_at = timezone.now()
    hold.released_by = actor_label(actor)
    hold.release_reason = reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    order_event(order=order, kind="hold_released", message=f"Hold released: {hold.get_kind_display()}: {reason}",
                actor=actor, hold=kind)
    if order.status == Order.Status.ON_HOLD and not OrderHold.objects.filter(order=order, released_at__isnull=True).exists():
        # Held at pack-out (units already picked): back to the warehouse, not to allocation.
        picked = order.fulfillment_orders.filter(status__in=FULFILLMENT_PICKING_STARTED).exists()
        order_transition(order=order, to=Order.Status.IN_PROGRESS if picked else Order.Status.PENDING, actor=actor,
                         reason="all holds released")
    return True


def ensure_not_final(order: Order, action: str) -> None:
    from orders.state import FINAL

    if order.status in FINAL:
        raise HoldError(f"order {order.order_number} is {order.get_status_display().lower()}; cannot {action}")
