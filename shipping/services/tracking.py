"""Carrier tracking: scans are recorded on the shipment; delivered, exception and return-to-sender states reach
the order (and, through its outbox, the storefront). Polled (`tracking_poll`, the network call outside any
transaction) or pushed by the carrier (`tracking_push`, from the verified webhook), the scans go through
`tracking_record`: each is stored once per (shipment, status, time) under the shipment's lock, and only a scan
stored for the first time tells the order, so a scan seen by both paths, or a delivery sent twice, lands once."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from orders.services.shipment_events import order_mark_delivered, order_mark_exception
from shipping.carrier_accounts import carrier_named, carriers_for
from shipping.carriers.base import TrackingEvent as Scan
from shipping.carriers.base import TrackingStatus
from shipping.exceptions import ShippingError
from shipping.models import CarrierWebhookAccount, Shipment, TrackingEvent
from shipping.selectors import shipments_to_track
from shipping.services.shipments import shipment_transition

log = logging.getLogger(__name__)
ACTOR = "carrier tracking"
TROUBLE = (TrackingStatus.EXCEPTION, TrackingStatus.RETURN_TO_SENDER)
# Scans arrive for shipments the carrier has collected; a label not yet handed over has no tracking to record.
TRACKED = (Shipment.Status.SHIPPED, Shipment.Status.EXCEPTION, Shipment.Status.DELIVERED)


def tracking_refresh(*, shipment_id: int) -> str:
    shipment = Shipment.objects.select_related("fulfillment_order__order__merchant", "merchant").get(pk=shipment_id)
    if not shipment.tracking_number:
        return "no label bought yet: nothing to track"
    carrier = carrier_named(carriers_for(shipment.owner_merchant), shipment.carrier)
    events = carrier.track(shipment.tracking_number)
    return tracking_record(shipment_id=shipment.pk, events=events)


def tracking_push(*, account: CarrierWebhookAccount, tracking_number: str, events: Sequence[Scan]) -> str:
    """A verified carrier webhook: the scans of one tracking number. Unknown numbers (a label bought elsewhere
    on the same account) and labels not yet collected are acknowledged and change nothing."""
    shipment_id = (Shipment.objects.filter(tracking_number=tracking_number, status__in=TRACKED)
                   .values_list("pk", flat=True).first())
    if shipment_id is None:
        log.info("carrier webhook %s: no shipment on its way with tracking %s", account.code, tracking_number)
        return "unknown"
    return tracking_record(shipment_id=shipment_id, events=events)


@transaction.atomic
def tracking_record(*, shipment_id: int, events: Sequence[Scan]) -> str:
    """Store the scans and move the shipment and its order; returns the shipment's status."""
    shipment = (Shipment.objects.select_for_update(of=("self",), no_key=True)
                .select_related("fulfillment_order__order").get(pk=shipment_id))
    events = sorted(events, key=lambda event: event.occurred_at)
    new = []
    for event in events:
        _, created = TrackingEvent.objects.get_or_create(
            shipment=shipment, status=event.status, occurred_at=event.occurred_at,
            defaults={"description": event.description[:255], "location": event.location[:100]})
        if created:
            new.append(event)
    if not events or shipment.status == Shipment.Status.DELIVERED:
        return shipment.status
    last = events[-1]
    if shipment.is_transfer:
        # A parcel to another of our warehouses has no customer to tell: it is received there against its transfer.
        if last.status == TrackingStatus.DELIVERED:
            shipment_transition(shipment=shipment, to=Shipment.Status.DELIVERED, actor=ACTOR, reason=last.description,
                                extra={"delivered_at": last.occurred_at})
        elif last.status in TROUBLE and shipment.status != Shipment.Status.EXCEPTION:
            shipment_transition(shipment=shipment, to=Shipment.Status.EXCEPTION, actor=ACTOR, reason=last.description)
        return shipment.status
    order = shipment.order_fulfillment.order
    if last.status == TrackingStatus.DELIVERED:
        shipment_transition(shipment=shipment, to=Shipment.Status.DELIVERED, actor=ACTOR, reason=last.description,
                            extra={"delivered_at": last.occurred_at})
        undelivered = Shipment.objects.filter(fulfillment_order__order=order).exclude(
            status__in=[Shipment.Status.DELIVERED, Shipment.Status.VOIDED])
        if not undelivered.exists() and order.status == order.Status.SHIPPED:
            order_mark_delivered(order=order, actor=ACTOR, delivered_at=last.occurred_at)
        return shipment.status
    if last.status in TROUBLE and shipment.status != Shipment.Status.EXCEPTION:
        shipment_transition(shipment=shipment, to=Shipment.Status.EXCEPTION, actor=ACTOR, reason=last.description)
    for event in new:
        if event.status in TROUBLE:
            order_mark_exception(
                order=order, actor=ACTOR, carrier=shipment.carrier, tracking_number=shipment.tracking_number or "",
                description=event.description, warehouse_id=shipment.warehouse_id, occurred_at=event.occurred_at,
                kind="return_to_sender" if event.status == TrackingStatus.RETURN_TO_SENDER else "exception",
            )
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
