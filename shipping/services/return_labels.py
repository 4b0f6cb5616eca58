"""Prepaid return labels: the customer's address to the warehouse, bought from the cheapest carrier
service that serves the lane. A pure carrier call: callers run it outside any transaction and record
the intent before and the result after (see returns.services.labels)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from shipping.carrier_accounts import carrier_named, carriers_for
from shipping.carriers.base import Address, Parcel
from shipping.exceptions import ServiceNotOffered
from shipping.selectors import ship_from, ship_to


@dataclass(frozen=True)
class ReturnLabel:
    carrier: str
    service: str
    tracking_number: str
    amount: Decimal
    pdf: bytes
    zpl: str


def return_label_buy(*, order, warehouse, parcel: Parcel, reference: str) -> ReturnLabel:
    """From the order's ship-to address (the customer) back to `warehouse`."""
    customer: Address = ship_to(order)
    destination: Address = ship_from(warehouse)
    carriers = carriers_for(order.merchant)
    rates = [rate for carrier in carriers for rate in carrier.rates(customer, destination, [parcel], timezone.localdate())]
    if not rates:
        raise ServiceNotOffered(f"no carrier service takes a return from {customer.postal_code} to {destination.postal_code}")
    rate = min(rates, key=lambda r: (r.amount, r.transit_days or 99))
    label = carrier_named(carriers, rate.carrier).buy_label(rate, customer, destination, [parcel], reference=reference)
    return ReturnLabel(carrier=label.carrier, service=label.service, tracking_number=label.tracking_number,
                       amount=rate.amount, pdf=label.pdf, zpl=label.zpl)
