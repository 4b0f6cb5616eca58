"""The canonical order every storefront adapter produces, and the errors they raise."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


class SignatureError(ValueError):
    """The delivery's authentication is missing or wrong."""


class PayloadError(ValueError):
    """The body cannot be read as the storefront's payload."""


class PeerError(RuntimeError):
    """The storefront's API answered with an error or could not be reached."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class NormalizedAddress:
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""


@dataclass(frozen=True)
class NormalizedLine:
    external_line_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")


@dataclass(frozen=True)
class NormalizedOrder:
    external_id: str
    order_number: str
    channel_updated_at: datetime | None
    email: str
    customer_name: str
    ship_to: NormalizedAddress | None
    lines: tuple[NormalizedLine, ...]
    currency: str = "USD"
    subtotal: Decimal = Decimal("0")
    shipping_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    discount_total: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    payment_status: str = "paid"
    service_level: str = "standard"
    is_cancelled: bool = False
    placed_at: datetime | None = None
    raw_status: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    topic: str  # order.created | order.updated | order.cancelled | order.paid | ping | other
    event_id: str
    external_order_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    triggered_at: datetime | None = None


def verify_hmac_base64(secret: str, raw_body: bytes, signature: str | None) -> None:
    if not signature:
        raise SignatureError("signature header is missing")
    expected = base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("signature does not match the body")
