"""What the warehouse tells the OMS while it works: picking started, a line could not be picked here."""

from __future__ import annotations

from django.db import transaction

from inventory.models import Reservation
from inventory.services.reservations import stock_release
from orders.locks import lock_fulfillment_order, lock_order
from orders.models import FulfillmentLine, FulfillmentOrder, Order, OrderLine
from orders.services.timeline import order_event, order_transition


@transaction.atomic
def fulfillment_picking_started(*, fulfillment_order_id: int, actor) -> FulfillmentOrder:
    # Order, then fulfillment order (the house lock order); the warehouse is read, never locked.
    order = lock_order(FulfillmentOrder.objects.values_list("order_id", flat=True).get(pk=fulfillment_order_id))
    fulfillment = lock_fulfillment_order(fulfillment_order_id, related=("warehouse",))
    if fulfillment.status == FulfillmentOrder.Status.RELEASED:
        fulfillment.status = FulfillmentOrder.Status.PICKING
        fulfillment.save(update_fields=["status", "updated_at"])
    if order.status == Order.Status.RELEASED:
        order_transition(order=order, to=Order.Status.IN_PROGRESS, actor=actor,
                         reason=f"picking started in {fulfillment.warehouse.code}")
    return fulfillment


@transaction.atomic
def order_line_resource(*, order_line_id: int, warehouse_id: int, qty: int, actor, reason: str) -> str:
    """`qty` units of a line cannot be picked in this warehouse: give their reservation back and let
    routing find them elsewhere (another warehouse) or backorder them. Returns what happened, in words."""
    from orders.services.allocation import order_allocate

    line = OrderLine.objects.select_related("order").get(pk=order_line_id)
    order = lock_order(line.order_id)
    reservation = Reservation.objects.get(order_line_id=order_line_id, warehouse_id=warehouse_id)
    give_back = min(qty, reservation.qty)
    if give_back:
        stock_release(reservation=reservation, actor=actor, qty=give_back, reason=reason)
    fulfillment_line = FulfillmentLine.objects.filter(
        order_line_id=order_line_id, fulfillment_order__warehouse_id=warehouse_id,
        fulfillment_order__status__in=[FulfillmentOrder.Status.RELEASED, FulfillmentOrder.Status.PICKING],
    ).first()
    if fulfillment_line:
        fulfillment_line.qty = max(fulfillment_line.qty - give_back, 0)
        fulfillment_line.save(update_fields=["qty"])
    waiting_status = Order.Status.PARTIALLY_ALLOCATED
    if order.status in (Order.Status.IN_PROGRESS, Order.Status.RELEASED, Order.Status.ALLOCATED):
        order_transition(order=order, to=waiting_status, actor=actor, reason=f"{line.sku}: {reason}")
    order = order_allocate(order_id=order.pk, actor=actor)
    elsewhere = (
        Reservation.objects.filter(order_line_id=order_line_id).exclude(warehouse_id=warehouse_id)
        .values_list("warehouse__code", "qty")
    )
    found = {code: n for code, n in elsewhere if n}
    words = (f"{give_back} x {line.sku} re-sourced: " + (", ".join(f"{n} from {c}" for c, n in found.items()) or "backordered")
             + f" (order now {order.get_status_display().lower()})")
    order_event(order=order, kind="resourced", actor=actor, message=f"{reason}. {words}")
    return words


def order_line_note(*, order_line_id: int, kind: str, message: str, actor) -> None:
    """A warehouse event worth telling customer service about, on the order's timeline."""
    line = OrderLine.objects.select_related("order").get(pk=order_line_id)
    order_event(order=line.order, kind=kind, actor=actor, message=message, order_line=order_line_id)
