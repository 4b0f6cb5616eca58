"""The canonical order every storefront adapter produces, the errors adapters raise, and the small
HTTP client they share. Pure Python: no Django imports, so the adapters can be tested and reused alone."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from email.message import Message
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class SignatureError(ValueError):
    """The delivery's authentication is missing or wrong."""


class PayloadError(ValueError):
    """The body cannot be read as the storefront's payload."""


class PeerError(RuntimeError):
    """The storefront's API answered with an error or could not be reached. `status` is the HTTP status
    (None when nothing answered); `retry_after` is the peer's Retry-After in seconds, when it sent one."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class NormalizedAddress:
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""  # state / province code, e.g. "NJ"
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    phone: str = ""


@dataclass(frozen=True)
class NormalizedLine:
    external_line_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Decimal = ZERO  # before discounts
    discount: Decimal = ZERO  # for the whole line
    # What was wrong with the line as it arrived (e.g. `quantity "two" is not a whole number`): the line is
    # kept with quantity 0 and the order held with this text, so nothing the storefront sent is lost.
    problem: str = ""


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
    subtotal: Decimal = ZERO
    shipping_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    discount_total: Decimal = ZERO
    total: Decimal = ZERO
    payment_status: str = "paid"  # paid | pending | partially_paid | refunded | voided
    service_level: str = "standard"  # standard | expedited | overnight
    is_cancelled: bool = False
    placed_at: datetime | None = None
    raw_status: str = ""
    # Lines that arrived but are not the warehouse's to ship (a gift card, a line removed by an order edit),
    # each described, so an order left with no lines says what it did receive.
    set_aside: tuple[str, ...] = ()
    note: str = ""  # the customer's note at checkout
    gift_message: str = ""  # printed on the packing slip


def gift_message_from(pairs: Any) -> str:
    """The first name/value (or key/value) pair whose name speaks of a gift message or note, as storefront
    apps store it in order attributes or meta data (`gift_message`, `Gift Note`, `_gift_message`)."""
    for pair in pairs if isinstance(pairs, list) else []:
        if not isinstance(pair, Mapping):
            continue
        name = text(pair.get("name") if "name" in pair else pair.get("key")).lower().replace("_", " ").strip()
        if "gift" in name and ("message" in name or "note" in name) and isinstance(pair.get("value"), str):
            return text(pair["value"])
    return ""


@dataclass(frozen=True)
class WebhookEvent:
    topic: str  # order.created | order.updated | order.cancelled | order.paid | ping | other
    event_id: str  # the inbox dedup key: the same event delivered twice has the same id
    external_order_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    triggered_at: datetime | None = None  # when the storefront says it fired (Shopify only)


def verify_hmac_base64(secret: str, raw_body: bytes, signature: str | None) -> None:
    """Check a base64 HMAC-SHA256 of the raw body (Shopify and WooCommerce sign this way)."""
    if not secret:
        # An empty key is a key anyone can sign with.
        raise SignatureError("no webhook secret is configured for this channel")
    if not signature:
        raise SignatureError("signature header is missing")
    expected = base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature.strip().encode()):
        raise SignatureError("signature does not match the body")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup for Django's request.headers, an email Message, or a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def load_json(raw_body: bytes | str) -> dict[str, Any]:
    if not raw_body:
        raise PayloadError("the body is empty")
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise PayloadError(f"the body is nested more than {MAX_JSON_DEPTH} levels deep") from None
    if not isinstance(data, dict):
        raise PayloadError(f"the body is a JSON {type(data).__name__}, not an object")
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise PayloadError(f"the body is nested more than {MAX_JSON_DEPTH} levels deep")
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Walked without recursion: whatever reads the payload later must not run out of stack."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False


def identifier(value: Any) -> str:
    """A storefront id: a string or a whole number, never an object, a list or a boolean."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadError(f"the id {type(value).__name__} is not a string or a number")
    return str(value).strip()


def money(value: Any) -> Decimal:
    """Storefronts send amounts as strings ("19.95", "54.0000") or numbers; always two places."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise PayloadError(f"{value!r} is not an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise PayloadError(f"{value!r} is not an amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def total(amounts: Iterable[Any]) -> Decimal:
    return sum((money(a) for a in amounts), ZERO)


def quantity(value: Any) -> int:
    if isinstance(value, bool):
        raise PayloadError(f"{value!r} is not a quantity")
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise PayloadError(f"{value!r} is not a quantity") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise PayloadError(f"{value!r} is not a whole quantity")
    return int(number)


def line_quantity(value: Any) -> tuple[int, str]:
    """A line's quantity and, when it is not a whole number of at least 1, what arrived instead. A bad
    quantity never fails the whole order: the line is kept at 0 and the order is held naming the value."""
    if value is None or value == "":
        return 0, "quantity is missing"
    try:
        count = quantity(value)
    except PayloadError:
        return 0, f"quantity {shown(value)} is not a whole number"
    if count < 1:
        return 0, f"quantity {shown(value)} is not at least 1"
    return count, ""


def shown(value: Any, limit: int = 40) -> str:
    """A payload value as it arrived, short enough for a hold reason."""
    if value is None:
        return "(missing)"
    if isinstance(value, str):
        return f'"{clip(value, limit - 2)}"'
    return clip(json.dumps(value, ensure_ascii=False, default=str), limit)


def clip(value: str, limit: int = 40) -> str:
    value = "".join(ch if ch.isprintable() else "?" for ch in value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def line_label(sku: Any, name: Any = "", line_id: Any = "") -> str:
    """How a hold reason names a line: its SKU, else its name, with the storefront's line id."""
    sku, name, line_id = (clip(text(v), 30) if isinstance(v, (str, int)) else "" for v in (sku, name, line_id))
    what = f"SKU {sku}" if sku else f'"{name}"' if name else "a line without SKU"
    return f"{what} (line id {line_id})" if line_id else what


MAX_JSON_DEPTH = 32


def text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def full_name(*parts: Any) -> str:
    return " ".join(text(p) for p in parts if text(p))


def iso_time(value: Any, *, naive_is_utc: bool = False) -> datetime | None:
    """ISO 8601 (Shopify, WooCommerce). WooCommerce `*_gmt` fields carry no offset: they are UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(f"{value!r} has no UTC offset")
        moment = moment.replace(tzinfo=UTC)
    return moment


# Carrier service names and codes, lowercased with "_" and "-" read as spaces: "FEDEX_2_DAY",
# "UPS Next Day Air", "Priority Overnight", "Express".
_OVERNIGHT = re.compile(r"\b(overnight|next (business )?day|nextday|same day|sameday|1 day|one day)\b")
_EXPEDITED = re.compile(r"\b(express|expedited|priority|rush|2 ?day|two day|2nd day|second day|3 day|three day)\b")


def service_level_from(description: str) -> str:
    words = re.sub(r"[_\-/]+", " ", (description or "").lower())
    if _OVERNIGHT.search(words):
        return "overnight"
    if _EXPEDITED.search(words):
        return "expedited"
    return "standard"


class HttpClient:
    """JSON over HTTP on the standard library, with a timeout. Credentials travel as unredirected
    headers (never forwarded to a redirect target) and are scrubbed from every error message."""

    def __init__(self, base_url: str, credentials: Mapping[str, str], *, redact: Iterable[str] = (),
                 timeout: float = 10.0, user_agent: str = "wms-storefront-sync/1.0"):
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"storefront base URL must be http(s), not {scheme or 'empty'!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._credentials = dict(credentials)
        # Longest first, so a secret that contains another is hidden whole.
        self._secrets = sorted({s for s in (*credentials.values(), *redact) if len(s) >= 4}, key=len, reverse=True)
        self._user_agent = user_agent

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                body: Any = None) -> tuple[Any, Message]:
        """Returns (decoded JSON or None for an empty body, response headers)."""
        url = self.base_url + path
        if params:
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
            url += ("&" if "?" in url else "?") + query
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/json", "User-Agent": self._user_agent,
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        for name, value in self._credentials.items():
            request.add_unredirected_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                headers = response.headers
        except urllib.error.HTTPError as exc:
            raise PeerError(self._scrub(f"{method} {path} answered {exc.code}: {_excerpt(exc)}"), status=exc.code,
                            retry_after=_retry_after(exc.headers)) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc.__class__.__name__
            raise PeerError(self._scrub(f"{method} {path} failed: {reason}")) from None
        if not raw:
            return None, headers
        try:
            return json.loads(raw), headers
        except ValueError:
            excerpt = raw[:200].decode("utf-8", errors="replace")
            raise PeerError(self._scrub(f"{method} {path} answered with something other than JSON: {excerpt}"),
                            status=502) from None

    def _scrub(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "[redacted]")
        return message


def _excerpt(exc: urllib.error.HTTPError, limit: int = 200) -> str:
    try:
        raw = exc.read(limit)
    except (OSError, http.client.HTTPException):
        return ""
    return " ".join(raw.decode("utf-8", errors="replace").split())


def _retry_after(headers: Message | None) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers is not None and headers.get("Retry-After") else None
    except ValueError:
        return None
