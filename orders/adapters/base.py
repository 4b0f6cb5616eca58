"""The canonical order every storefront adapter produces, and the errors they raise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
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


def header(headers, name: str) -> str | None:
    """Case-insensitive header lookup for Django's request.headers or a plain dict."""
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def load_json(raw_body: bytes) -> dict:
    if not raw_body:
        raise PayloadError("the body is empty")
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("the body is not a JSON object")
    return data


def money(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise PayloadError(f"{value!r} is not an amount") from None


def service_level_from(text: str) -> str:
    text = (text or "").lower()
    if any(word in text for word in ("overnight", "next day", "next-day", "nextday")):
        return "overnight"
    if any(word in text for word in ("express", "expedited", "priority", "2-day", "2 day", "2nd day", "second day", "two day", "rush")):
        return "expedited"
    return "standard"


@dataclass
class HttpClient:
    """A small JSON-over-HTTP client on the standard library. Credentials go in headers only and
    never into error messages."""

    base_url: str
    headers: dict = field(default_factory=dict)
    timeout: float = 10.0

    def request(self, method: str, path: str, *, params: dict | None = None, body=None) -> tuple[object, dict]:
        url = self.base_url.rstrip("/") + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/json", **({"Content-Type": "application/json"} if data else {}), **self.headers,
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return (json.loads(raw) if raw else None), dict(response.headers)
        except urllib.error.HTTPError as exc:
            excerpt = exc.read(300).decode("utf-8", errors="replace")
            raise PeerError(f"{method} {path} answered {exc.code}: {excerpt}", status=exc.code) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise PeerError(f"{method} {path} failed: {getattr(exc, 'reason', exc)}") from None
