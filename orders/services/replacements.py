"""Replacement orders: an exchange or warranty replacement ships as a new order of the merchant's API
channel (nobody on a storefront is told about it), linked to the original on both timelines, and goes
through holds and allocation like any other order."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from orders.adapters.base import NormalizedAddress, NormalizedLine, NormalizedOrder
from orders.exceptions import DuplicateOrder
from orders.models import Channel, Order
from orders.services.api_intake import channel_for_direct_intake
from orders.services.intake import order_upsert
from orders.services.timeline import order_event


def order_create_replacement(*, original: Order, lines: Sequence[tuple[str, int]], reference: str, reason: str,
                             actor) -> Order:
    """`lines`: (sku, qty). `reference` (e.g. the RMA number) makes the external id: one replacement each."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_create_replacement runs inside the caller's transaction")
    channel = channel_for_direct_intake(original.merchant, Channel.Kind.API)
    external_id = f"{reference}-replacement"
    if Order.objects.filter(channel=channel, external_id=external_id).exists():
        raise DuplicateOrder(f"a replacement for {reference} already exists")
    normalized = NormalizedOrder(
        external_id=external_id, order_number=f"{original.order_number}-{reference}", channel_updated_at=None,
        email=original.email, customer_name=original.customer_name,
        ship_to=NormalizedAddress(
            name=original.ship_name, company=original.ship_company, line1=original.ship_line1, line2=original.ship_line2,
            city=original.ship_city, region=original.ship_region, postal_code=original.ship_postal_code,
            country=original.ship_country, phone=original.ship_phone,
        ),
        lines=tuple(NormalizedLine(external_line_id=str(n), sku=sku, name="", quantity=qty, unit_price=Decimal("0"))
                    for n, (sku, qty) in enumerate(lines, start=1)),
        currency=original.currency, payment_status="paid", service_level=original.service_level, raw_status="replacement",
    )
    replacement = order_upsert(channel=channel, normalized=normalized, source=reason, actor=actor).order
    order_event(order=original, kind="replacement", actor=actor,
                message=f"Replacement order {replacement.order_number} created: {reason}", replacement_id=replacement.pk)
    return replacement
