"""The sandbox carriers keep their labels in memory; web, worker and beat are separate processes, so a label
bought in one is remembered in another from the `Shipment` row (as a real carrier remembers it on its side)."""

from __future__ import annotations

import datetime as dt

from shipping.carriers.sandbox.engine import SandboxCarrier, _Shipment
from shipping.exceptions import TrackingNotFound


def remembering(carrier: SandboxCarrier) -> SandboxCarrier:
    looked_up = carrier._shipment

    def shipment(tracking_number: str) -> _Shipment:
        try:
            return looked_up(tracking_number)
        except TrackingNotFound:
            restored = _from_database(carrier, tracking_number)
            if restored is None:
                raise
            with carrier._lock:
                carrier._shipments[tracking_number.strip().upper()] = restored
            return restored

    carrier._shipment = shipment
    return carrier


def _from_database(carrier: SandboxCarrier, tracking_number: str) -> _Shipment | None:
    from shipping.models import Shipment

    row = (Shipment.objects.filter(carrier=carrier.name, tracking_number=tracking_number.strip().upper())
           .select_related("warehouse", "fulfillment_order__order").first())
    if row is None:
        return None
    order = row.fulfillment_order.order
    origin = ", ".join(filter(None, [row.warehouse.city, row.warehouse.region, row.warehouse.country])).upper()
    destination = ", ".join(filter(None, [order.ship_city, order.ship_region, order.ship_country])).upper()
    return _Shipment((row.tracking_number,), row.service, row.transit_days or 1, origin, destination,
                     row.created_at.astimezone(dt.UTC), row.voided_at)
