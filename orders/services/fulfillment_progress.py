"""What the warehouse tells the OMS while it works: picking started, a line could not be picked here."""

from __future__ import annotations

from django.db import transaction

from core.models import EventKind
from inventory.models import Reservation
from inventory.services.reservations import stock_release
from orders.locks import lock_fulfillment, lock_order
from orders.models import FulfillmentLine, FulfillmentOrder, Order, OrderLine
from orders.services.events import event_lines, order_event_record
from orders.services.fulfillments import fulfillment_transition
from orders.services.timeline import order_event, order_transition


@transaction.atomic
def fulfillment_planned(*, fulfillment_order_id: int, actor, wave: str) -> FulfillmentOrder:
    """The warehouse planned it into a pick wave: line edits stop, a cancel now asks the warehouse."""
    fulfillment = FulfillmentOrder.objects.get(pk=fulfillment_order_id)
    return fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.IN_WAVE, actor=actor,
                                  reason=f"planned into wave {wave}")


@transaction.atomic
def fulfillment_picking_started(*, fulfillment_order_id: int, actor) -> FulfillmentOrder:
    order_id = FulfillmentOrder.objects.values_list("order_id", flat=True).get(pk=fulfillment_order_id)
    order = lock_order(order_id)
    fulfillment = lock_fulfillment(fulfillment_order_id)
    if fulfillment.status in (FulfillmentOrder.Status.RELEASED, FulfillmentOrder.Status.IN_WAVE):
        fulfillment = fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.PICKING, actor=actor,
                                             reason="a picker started")
    if order.status == Order.Status.RELEASED and fulfillment.cancel_requested_at is None:
        order_transition(order=order, to=Order.Status.IN_PROGRESS, actor=actor,
                         reason=f"picking started in {fulfillment.warehouse.code}")
    return fulfillment


def fulfillment_picked(*, fulfillment_order_id: int, picked: dict[int, int], session: str) -> None:
    """A pick session finished its part of the fulfillment order: `picked` is {order line id: units} picked in
    it (a fulfillment order split over sessions reports once per session). Inside the session's transaction."""
    picked = {line_id: qty for line_id, qty in picked.items() if qty > 0}
    if not picked:
        return
    fulfillment = FulfillmentOrder.objects.select_related("order", "warehouse").get(pk=fulfillment_order_id)
    lines = {line.pk: line for line in OrderLine.objects.filter(pk__in=list(picked))}
    order_event_record(
        EventKind.ORDER_PICKED, order=fulfillment.order, fulfillment=fulfillment, pick_session=session,
        units=sum(picked.values()), lines=event_lines((lines[pk], qty) for pk, qty in sorted(picked.items())),
    )


def fulfillment_packed_report(*, fulfillment_order_id: int, cartons: list[dict], lines: dict[int, int]) -> None:
    """The warehouse packed and labelled the fulfillment order: `cartons` as the order.packed event describes
    them ({"carton", "tracking_number", "carrier", "service", "weight_g", "units"}), `lines` {order line id: units}.
    Inside the pack's transaction, which holds the order's lock."""
    fulfillment = FulfillmentOrder.objects.select_related("order", "warehouse").get(pk=fulfillment_order_id)
    by_pk = {line.pk: line for line in OrderLine.objects.filter(pk__in=list(lines))}
    order_event_record(
        EventKind.ORDER_PACKED, order=fulfillment.order, fulfillment=fulfillment, cartons=len(cartons),
        units=sum(lines.values()), parcels=cartons,
        lines=event_lines((by_pk[pk], qty) for pk, qty in sorted(lines.items())),
    )


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
        fulfillment_order__status__in=[FulfillmentOrder.Status.RELEASED, FulfillmentOrder.Status.IN_WAVE,
                                       FulfillmentOrder.Status.PICKING, FulfillmentOrder.Status.CANCEL_REQUESTED],
    ).first()
    if fulfillment_line:
        fulfillment_line.qty = max(fulfillment_line.qty - give_back, 0)
        fulfillment_line.save(update_fields=["qty"])
    if order.fulfillment_orders.filter(cancel_requested_at__isnull=False).exists():
        words = f"{give_back} x {line.sku} given back; not re-sourced: the order is being cancelled"
        order_event(order=order, kind="resourced", actor=actor, message=f"{reason}. {words}")
        return words
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
