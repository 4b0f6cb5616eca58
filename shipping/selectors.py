"""Reads for shipping: the addresses a label goes between, the shipments whose tracking is still moving.
Writes live in shipping.services."""

from __future__ import annotations

from orders.models import Order
from shipping.carriers.base import Address
from shipping.models import Shipment


def ship_from(warehouse) -> Address:
    return Address(name=warehouse.name, line1=warehouse.address_line1 or warehouse.name, city=warehouse.city or "",
                   region=warehouse.region or "", postal_code=warehouse.postal_code or "", country=warehouse.country or "US")


def ship_to(order: Order) -> Address:
    return Address(name=order.ship_name or order.customer_name, company=order.ship_company, line1=order.ship_line1,
                   line2=order.ship_line2, city=order.ship_city, region=order.ship_region, postal_code=order.ship_postal_code,
                   country=order.ship_country, phone=order.ship_phone)


def shipments_to_track(*, limit: int = 500) -> list[int]:
    return list(Shipment.objects.filter(status__in=[Shipment.Status.SHIPPED, Shipment.Status.EXCEPTION])
                .order_by("shipped_at", "id").values_list("pk", flat=True)[:limit])
