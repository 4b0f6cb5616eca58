"""Holds placed and released by people: a role check and a reason, then the timeline."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_record
from core.errors import PermissionDenied
from core.models import AuditAction
from core.roles import may_use
from inventory.selectors import merchant_of
from orders.exceptions import HoldError
from orders.locks import lock_order
from orders.models import HoldKind, Order, OrderHold
from orders.selectors import order_problems
from orders.services.intake import order_queue_allocation
from orders.services.timeline import ensure_not_final, hold_place, hold_release_kind

MANUAL_KINDS = (HoldKind.MANUAL, HoldKind.FRAUD_REVIEW)


def _check(actor, reason: str, area: str) -> None:
    if not may_use(actor, area):
        raise PermissionDenied("your role may not place or release holds")
    if not (reason or "").strip():
        raise HoldError("a reason is required")


@transaction.atomic
def order_hold_place(*, order: Order, kind: str, reason: str, actor, area: str = "orders") -> OrderHold:
    """`area`: the role area the actor needs (the order API lets a merchant hold its own orders)."""
    _check(actor, reason, area)
    if kind not in MANUAL_KINDS:
        raise HoldError(f"{kind} holds are placed by the system; people may place: {', '.join(MANUAL_KINDS)}")
    order = lock_order(order.pk)
    ensure_not_final(order, "place a hold")
    from orders.services.allocation import order_release_reservations
    from orders.state import PICKING_STARTED

    if order.status in PICKING_STARTED:
        raise HoldError(f"order {order.order_number} is being picked; stop the pick first")
    already = OrderHold.objects.filter(order=order, kind=kind, released_at__isnull=True).exists()
    hold = hold_place(order=order, kind=kind, reason=reason, actor=actor)
    order_release_reservations(order=order, actor=actor, reason=f"order on hold: {reason}")
    if not already:
        _audit(AuditAction.HOLD_PLACED, order, actor, kind=kind, reason=reason, hold=hold.pk)
    return hold


@transaction.atomic
def order_hold_release(*, order: Order, kind: str, reason: str, actor, area: str = "orders") -> Order:
    """Release a hold. A system hold whose cause is still there (unknown SKU, unpaid) is refused. A fraud-review
    hold is released only by staff whose role works orders, never by the merchant (whatever `area` lets it do)."""
    _check(actor, reason, area)
    if kind == HoldKind.FRAUD_REVIEW and (merchant_of(actor) is not None or not may_use(actor, "orders")):
        raise PermissionDenied("only staff who work orders may release a fraud-review hold")
    order = lock_order(order.pk)
    if kind in order_problems(order) and kind not in (HoldKind.ADDRESS_INVALID,):
        raise HoldError(f"cannot release: {order_problems(order)[kind]}; fix it first")
    if not hold_release_kind(order=order, kind=kind, actor=actor, reason=reason):
        raise HoldError(f"order {order.order_number} has no open {kind} hold")
    _audit(AuditAction.HOLD_RELEASED, order, actor, kind=kind, reason=reason)
    if order.status == Order.Status.PENDING:
        order_queue_allocation(order)
    return order


@transaction.atomic
def order_hold_for_address(*, order: Order, reason: str, actor) -> OrderHold:
    """The shipping-side address check failed at pack-out: hold for customer service. Picked units stay
    reserved at pack-out; correcting the address releases the hold and the order is packed again."""
    from orders.services.timeline import hold_place

    order = lock_order(order.pk)
    already = OrderHold.objects.filter(order=order, kind=HoldKind.ADDRESS_INVALID, released_at__isnull=True).exists()
    reason = f"address check before the label: {reason}"
    hold = hold_place(order=order, kind=HoldKind.ADDRESS_INVALID, reason=reason, actor=actor)
    if not already:
        _audit(AuditAction.HOLD_PLACED, order, actor, kind=HoldKind.ADDRESS_INVALID, reason=reason, hold=hold.pk)
    return hold


def _audit(action: str, order: Order, actor, **details) -> None:
    audit_record(action=action, actor=actor, obj=order, object_label=order.order_number,
                 merchant_id=order.merchant_id, details=details)
