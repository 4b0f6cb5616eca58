"""What the shipping side reports back: a fulfillment order left the building with a carrier and a tracking
number, and the order arrived. Each moves the order through its lifecycle and queues the storefront update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.models import EventKind
from orders.exceptions import IllegalTransition, ShipmentError
from orders.models import FulfillmentLine, FulfillmentOrder, Order, OutboxKind
from orders.services.events import event_lines, order_event_record
from orders.services.fulfillments import fulfillment_transition
from orders.services.outbox import outbox_lines, outbox_record
from orders.services.timeline import order_event, order_transition
from orders.state import STILL_ALLOCATING

# CANCEL_REQUESTED: the carrier collected it before the warehouse could stop it; the cancel will be refused.
SHIPPABLE = (FulfillmentOrder.Status.RELEASED, FulfillmentOrder.Status.IN_WAVE, FulfillmentOrder.Status.PICKING,
             FulfillmentOrder.Status.PACKED, FulfillmentOrder.Status.CANCEL_REQUESTED)


@transaction.atomic
def order_mark_shipped(
    *, order: Order, fulfillment_order: FulfillmentOrder, carrier: str, service: str, tracking_number: str,
    tracking_url: str = "", lines: Sequence[tuple[int, int]] | None = None, actor,
    package_tracking_numbers: Sequence[str] = (), parcels: Sequence[Mapping[str, Any]] = (),
) -> Order:
    """The fulfillment order left in one parcel. `lines` are (order line id, qty) in the parcel, None meaning
    all of the fulfillment order; units left out are not shipped, and the order stays partially shipped.
    `parcels` describe the cartons (tracking number, carton number, weight, units) for the order.shipped event;
    without them each package tracking number counts as one parcel.
    Reporting the same shipment again changes nothing."""
    order = Order.objects.select_for_update(of=("self",), no_key=True).select_related("channel").get(pk=order.pk)
    fulfillment = (
        FulfillmentOrder.objects.select_for_update(of=("self",), no_key=True).select_related("warehouse")
        .filter(pk=fulfillment_order.pk, order=order).first()
    )
    if fulfillment is None:
        raise ShipmentError(f"fulfillment order {fulfillment_order.pk} is not part of order {order.order_number}")
    tracking_number = (tracking_number or "").strip()
    if not tracking_number or not (carrier or "").strip():
        raise ShipmentError("a shipment needs a carrier and a tracking number")
    if fulfillment.status == FulfillmentOrder.Status.SHIPPED:
        if fulfillment.tracking_number == tracking_number:
            return order
        raise IllegalTransition(f"FO-{fulfillment.pk} already shipped with tracking {fulfillment.tracking_number}")
    if fulfillment.status not in SHIPPABLE:
        raise IllegalTransition(f"FO-{fulfillment.pk} is {fulfillment.get_status_display().lower()}; it cannot ship")
    parcel = _parcel_lines(fulfillment, lines)

    now = timezone.now()
    fulfillment = fulfillment_transition(
        fulfillment=fulfillment, to=FulfillmentOrder.Status.SHIPPED, actor=actor,
        reason=f"left {fulfillment.warehouse.code} via {carrier.strip()} {tracking_number}",
        extra={"carrier": carrier.strip(), "service": (service or "").strip(), "tracking_number": tracking_number,
               "tracking_url": (tracking_url or "").strip(), "shipped_at": now},
    )
    for line, qty in parcel:
        FulfillmentLine.objects.filter(fulfillment_order=fulfillment, order_line=line).update(shipped_qty=F("shipped_qty") + qty)
    target = Order.Status.SHIPPED if _everything_shipped(order) else Order.Status.PARTIALLY_SHIPPED
    if target == Order.Status.SHIPPED or order.status not in STILL_ALLOCATING:
        order_transition(order=order, to=target, actor=actor,
                         reason=f"FO-{fulfillment.pk} left {fulfillment.warehouse.code} via {fulfillment.carrier}")
    # else: part of the order is still looking for stock; it keeps the status allocation works from, and the
    # storefront hears "partially shipped" from the outbox below.
    order_event(
        order=order, kind="shipped", actor=actor,
        message=f"Shipped from {fulfillment.warehouse.code} via {fulfillment.carrier} {fulfillment.service}".rstrip()
                + f", tracking {tracking_number}",
        fulfillment_order=fulfillment.pk, tracking_number=tracking_number,
    )
    outbox_record(order=order, kind=OutboxKind.SHIPPED, payload={
        "fulfillment_order_id": fulfillment.pk, "warehouse": fulfillment.warehouse.code,
        "carrier": fulfillment.carrier, "service": fulfillment.service, "tracking_number": tracking_number,
        "tracking_url": fulfillment.tracking_url, "lines": outbox_lines(parcel, done_before=_shipped_before(parcel)),
        "order_status": target,
        "package_tracking_numbers": list(package_tracking_numbers) or [tracking_number],
        "shipped_at": now.isoformat(),
    })
    tracking_numbers = list(package_tracking_numbers) or [tracking_number]
    units = sum(qty for _, qty in parcel)
    described = [dict(p) for p in parcels] or [{"tracking_number": n} for n in tracking_numbers]
    order_event_record(
        EventKind.ORDER_SHIPPED, order=order, fulfillment=fulfillment, carrier=fulfillment.carrier,
        service=fulfillment.service, tracking_number=tracking_number, tracking_url=fulfillment.tracking_url,
        parcels=described, cartons=len(described), units=units, lines=event_lines(parcel), order_status=target,
        shipped_at=now.isoformat(),
    )
    return order


def _shipped_before(parcel) -> dict[int, int]:
    """Units of the parcel's bundle components that left in earlier parcels (the parcel's own are counted already)."""
    bundle_ids = {line.bundle_line_id for line, _ in parcel if line.bundle_line_id}
    if not bundle_ids:
        return {}
    this: dict[int, int] = {}
    for line, qty in parcel:
        this[line.pk] = this.get(line.pk, 0) + qty
    totals = (FulfillmentLine.objects.filter(order_line__bundle_line_id__in=bundle_ids)
              .values("order_line_id").annotate(shipped=Sum("shipped_qty")).values_list("order_line_id", "shipped"))
    return {line_id: (shipped or 0) - this.get(line_id, 0) for line_id, shipped in totals}


def _parcel_lines(fulfillment: FulfillmentOrder, lines: Sequence[tuple[int, int]] | None):
    planned = {fl.order_line_id: fl for fl in FulfillmentLine.objects.filter(fulfillment_order=fulfillment).select_related("order_line")}
    if lines is None:
        return [(fl.order_line, fl.qty) for fl in planned.values() if fl.qty > 0]
    parcel = []
    for line_id, qty in lines:
        planned_line = planned.get(line_id)
        if planned_line is None:
            raise ShipmentError(f"order line {line_id} is not on FO-{fulfillment.pk}")
        if not 0 < qty <= planned_line.qty:
            raise ShipmentError(f"{planned_line.order_line.sku}: {qty} is not between 1 and {planned_line.qty}")
        parcel.append((planned_line.order_line, qty))
    if not parcel:
        raise ShipmentError("a shipment needs at least one line")
    return parcel


def _everything_shipped(order: Order) -> bool:
    wanted = sum(line.open_qty for line in order.lines.all())
    shipped = FulfillmentLine.objects.filter(fulfillment_order__order=order).aggregate(n=Sum("shipped_qty"))["n"] or 0
    return shipped >= wanted


@transaction.atomic
def order_mark_delivered(*, order: Order, actor, delivered_at: dt.datetime | None = None) -> Order:
    """The carrier confirmed delivery of the whole order. Reporting it again changes nothing."""
    order = Order.objects.select_for_update(of=("self",), no_key=True).select_related("channel").get(pk=order.pk)
    if order.status == Order.Status.DELIVERED:
        return order
    delivered_at = delivered_at or timezone.now()
    order_transition(order=order, to=Order.Status.DELIVERED, actor=actor, reason="the carrier confirmed delivery")
    shipments = [
        {"carrier": fo.carrier, "tracking_number": fo.tracking_number}
        for fo in order.fulfillment_orders.filter(status=FulfillmentOrder.Status.SHIPPED).order_by("shipped_at", "pk")
    ]
    outbox_record(order=order, kind=OutboxKind.DELIVERED, payload={
        "shipments": shipments, "delivered_at": delivered_at.isoformat(),
    })
    warehouse_ids = set(order.fulfillment_orders.filter(status=FulfillmentOrder.Status.SHIPPED).values_list(
        "warehouse_id", flat=True))
    order_event_record(EventKind.ORDER_DELIVERED, order=order, shipments=shipments, delivered_at=delivered_at.isoformat(),
                       warehouse_id=next(iter(warehouse_ids)) if len(warehouse_ids) == 1 else None)
    return order


@transaction.atomic
def order_mark_exception(
    *, order: Order, actor, carrier: str, tracking_number: str, description: str, warehouse_id: int | None = None,
    kind: str = "exception", occurred_at: dt.datetime | None = None,
) -> Order:
    """The carrier reports a problem with a parcel of the order (`kind` "exception", or "return_to_sender"):
    it goes on the order's timeline, to the storefront (outbox) and out as an order.exception event. The caller
    reports each carrier scan once."""
    order = Order.objects.select_for_update(of=("self",), no_key=True).select_related("channel").get(pk=order.pk)
    occurred_at = occurred_at or timezone.now()
    returned = kind == "return_to_sender"
    order_event(order=order, kind="returned_to_sender" if returned else "delivery_exception", actor=actor,
                message=f"{'Returned to sender' if returned else 'Delivery exception'}: {carrier} {tracking_number}: "
                        f"{description}".rstrip(": "), tracking_number=tracking_number)
    outbox_record(order=order, kind=OutboxKind.EXCEPTION, payload={
        "carrier": carrier, "tracking_number": tracking_number, "description": description[:255],
        "status": "return_to_sender" if returned else "exception", "occurred_at": occurred_at.isoformat(),
    })
    order_event_record(
        EventKind.ORDER_EXCEPTION, order=order, warehouse_id=warehouse_id, exception=kind, carrier=carrier,
        tracking_number=tracking_number, description=description, occurred_at=occurred_at.isoformat(),
    )
    return order
