"""Orders created directly over the REST API or from a CSV upload."""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal

from django.db import IntegrityError, transaction

from orders.adapters.base import NormalizedAddress, NormalizedLine, NormalizedOrder
from orders.exceptions import DuplicateOrder, IdempotencyConflict
from orders.models import Channel, IdempotencyKey, Order
from orders.services.intake import OrderExists, order_create


def channel_for_direct_intake(merchant, kind: str) -> Channel:
    channel = Channel.objects.filter(merchant=merchant, kind=kind, is_active=True).order_by("pk").first()
    if channel is None:
        channel = Channel.objects.create(merchant=merchant, kind=kind, name=f"{merchant.name} {Channel.Kind(kind).label}")
    return channel


def normalized_from_api(data: dict) -> NormalizedOrder:
    ship = data.get("ship_to") or {}
    lines = tuple(
        NormalizedLine(
            external_line_id=str(line.get("external_line_id") or number), sku=line["sku"], name=line.get("name", ""),
            quantity=int(line["quantity"]), unit_price=Decimal(str(line.get("unit_price") or "0")),
            discount=Decimal(str(line.get("discount") or "0")),
        )
        for number, line in enumerate(data.get("lines") or [], start=1)
    )
    subtotal = sum((line.unit_price * line.quantity - line.discount for line in lines), Decimal("0"))
    shipping = Decimal(str(data.get("shipping_total") or "0"))
    tax = Decimal(str(data.get("tax_total") or "0"))
    return NormalizedOrder(
        external_id=str(data.get("external_id") or data["order_number"]), order_number=str(data["order_number"]),
        channel_updated_at=None, email=data.get("email", ""), customer_name=data.get("customer_name", ""),
        ship_to=NormalizedAddress(
            name=ship.get("name", ""), company=ship.get("company", ""), line1=ship.get("line1", ""),
            line2=ship.get("line2", ""), city=ship.get("city", ""), region=ship.get("region", ""),
            postal_code=ship.get("postal_code", ""), country=ship.get("country", ""), phone=ship.get("phone", ""),
        ),
        lines=lines, currency=data.get("currency", "USD"), subtotal=subtotal, shipping_total=shipping, tax_total=tax,
        discount_total=sum((line.discount for line in lines), Decimal("0")), total=subtotal + shipping + tax,
        payment_status=data.get("payment_status", "paid"), service_level=data.get("service_level", "standard"),
        is_cancelled=False, placed_at=data.get("placed_at"), raw_status="api",
        note=data.get("note", ""), gift_message=data.get("gift_message", ""),
    )


def order_create_via_api(*, merchant, data: dict, idempotency_key: str | None, actor) -> tuple[Order, bool]:
    """Returns (order, created). Same key and body: the same order; same key, other body: refused.

    The lean path: the channel from a short-lived cache, one transaction with the order, its lines in one INSERT,
    its timeline entry and the key; a duplicate is refused by the unique keys, not looked up first. A created
    order comes back committed with its lines, holds and timeline in hand (`order_create`)."""
    body_hash = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    if idempotency_key:
        seen = IdempotencyKey.objects.filter(merchant=merchant, key=idempotency_key).select_related("order").first()
        if seen:
            return _replay(seen, body_hash)
    channel = api_channel(merchant)
    normalized = normalized_from_api(data)
    try:
        with transaction.atomic():
            order = order_create(channel=channel, normalized=normalized, source="REST API", actor=actor)
            if idempotency_key:
                IdempotencyKey.objects.create(merchant=merchant, key=idempotency_key, request_hash=body_hash, order=order)
        return order, True
    except IntegrityError as exc:
        seen = None
        if idempotency_key:
            seen = IdempotencyKey.objects.filter(merchant=merchant, key=idempotency_key).select_related("order").first()
        if seen is not None:  # the same key raced us and won (its order, or its key, was inserted first)
            return _replay(seen, body_hash)
        if isinstance(exc, OrderExists):
            raise DuplicateOrder(f"an order with external id {normalized.external_id!r} already exists") from exc
        raise


# Each web process keeps the merchant's REST channel for a short while, so a create does not read it: a channel
# deactivated in the admin still takes that process's REST orders for up to the TTL (then a new one is made).
_API_CHANNELS: dict[int, tuple[float, Channel]] = {}
API_CHANNEL_TTL_SECONDS = 30.0


def api_channel(merchant) -> Channel:
    now = time.monotonic()
    hit = _API_CHANNELS.get(merchant.pk)
    if hit is not None and now - hit[0] < API_CHANNEL_TTL_SECONDS and hit[1].merchant_id == merchant.pk:
        return hit[1]
    if len(_API_CHANNELS) > 10_000:
        _API_CHANNELS.clear()
    channel = channel_for_direct_intake(merchant, Channel.Kind.API)
    channel.merchant = merchant
    _API_CHANNELS[merchant.pk] = (now, channel)
    return channel


def _replay(seen: IdempotencyKey, body_hash: str) -> tuple[Order, bool]:
    if seen.request_hash != body_hash:
        raise IdempotencyConflict("this Idempotency-Key was used with a different request body")
    return seen.order, False
