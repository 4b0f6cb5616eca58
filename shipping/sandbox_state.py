"""The sandbox carriers keep the labels they sold in memory; web, worker and beat are separate processes, so a
label sold in one is recalled in another from its `Shipment` row (as a real carrier remembers it on its side)."""

from __future__ import annotations

import datetime as dt

from shipping.carriers.sandbox.engine import SandboxCarrier, SandboxLabel


def recall_from_database(carrier: SandboxCarrier, tracking_number: str) -> SandboxLabel | None:
    from shipping.models import Shipment

    row = (Shipment.objects.filter(carrier=carrier.name, tracking_number=tracking_number)
           .select_related("warehouse", "fulfillment_order__order").first())
    if row is None:
        return None
    order = row.fulfillment_order.order
    origin = ", ".join(filter(None, [row.warehouse.city, row.warehouse.region, row.warehouse.country])).upper()
    destination = ", ".join(filter(None, [order.ship_city, order.ship_region, order.ship_country])).upper()
    return SandboxLabel((row.tracking_number,), row.service, row.transit_days or 1, origin, destination,
                        row.created_at.astimezone(dt.UTC), row.voided_at)


def next_label_serial() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('shipping_sandbox_label_serial')")
        return cursor.fetchone()[0]
