"""Carrier tracking: scans are recorded on the shipment; delivered and exception states reach the order
(and, through its outbox, the storefront). The network call runs outside any transaction."""

from __future__ import annotations

import logging

from django.db import transaction

from orders.services.shipment_events import order_mark_delivered, order_mark_exception
from shipping.carrier_accounts import carrier_named, carriers_for
from shipping.carriers.base import TrackingStatus
from shipping.exceptions import ShippingError
from shipping.models import Shipment, TrackingEvent
from shipping.selectors import shipments_to_track
from shipping.services.shipments import shipment_transition

log = logging.getLogger(__name__)
ACTOR = "carrier tracking"


def tracking_refresh(*, shipment_id: int) -> str:
    shipment = Shipment.objects.select_related("fulfillment_order__order__merchant").get(pk=shipment_id)
    if not shipment.tracking_number:
        return "no label bought yet: nothing to track"
    carrier = carrier_named(carriers_for(shipment.fulfillment_order.order.merchant), shipment.carrier)
    events = carrier.track(shipment.tracking_number)
    return _record(shipment.pk, events)


@transaction.atomic
def _record(shipment_id: int, events) -> str:
    shipment = Shipment.objects.select_for_update(of=("self",), no_key=True).select_related("fulfillment_order__order").get(pk=shipment_id)
    for event in events:
        TrackingEvent.objects.get_or_create(shipment=shipment, status=event.status, occurred_at=event.occurred_at,
                                            defaults={"description": event.description[:255], "location": event.location[:100]})
    if not events or shipment.status == Shipment.Status.DELIVERED:
        return shipment.status
    last = events[-1]
    order = shipment.fulfillment_order.order
    if last.status == TrackingStatus.DELIVERED:
        shipment_transition(shipment=shipment, to=Shipment.Status.DELIVERED, actor=ACTOR, reason=last.description,
                            extra={"delivered_at": last.occurred_at})
        undelivered = Shipment.objects.filter(fulfillment_order__order=order).exclude(
            status__in=[Shipment.Status.DELIVERED, Shipment.Status.VOIDED])
        if not undelivered.exists() and order.status == order.Status.SHIPPED:
            order_mark_delivered(order=order, actor=ACTOR, delivered_at=last.occurred_at)
    elif last.status == TrackingStatus.EXCEPTION and shipment.status != Shipment.Status.EXCEPTION:
        shipment_transition(shipment=shipment, to=Shipment.Status.EXCEPTION, actor=ACTOR, reason=last.description)
        order_mark_exception(order=order, actor=ACTOR, carrier=shipment.carrier, tracking_number=shipment.tracking_number or "",
                             description=last.description, warehouse_id=shipment.warehouse_id,
                             occurred_at=last.occurred_at)
    return shipment.status


def tracking_poll() -> dict[str, int]:
    """Every shipment on its way: ask its carrier for new scans. One failing carrier does not stop the rest."""
    outcome: dict[str, int] = {}
    for shipment_id in shipments_to_track():
        try:
            status = tracking_refresh(shipment_id=shipment_id)
        except ShippingError as exc:
            log.warning("tracking shipment %s failed: %s", shipment_id, exc)
            status = "error"
        outcome[status] = outcome.get(status, 0) + 1
    return outcome
