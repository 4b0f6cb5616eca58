"""WooCommerce: HMAC-signed webhooks (plus the unsigned ping sent when a webhook is created) and the
REST API v3 to fetch an order, for the catch-up pull, to set stock, and for sync-back (order status and notes).

Auth is HTTP Basic with the consumer key and secret, which WooCommerce accepts over HTTPS only (plain
HTTP would need OAuth 1.0a). `*_gmt` dates carry no offset and are UTC.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Mapping
from datetime import timedelta
from decimal import ROUND_HALF_UP
from typing import Any

from orders.adapters.base import (
    CENT,
    HttpClient,
    NormalizedAddress,
    NormalizedLine,
    NormalizedOrder,
    PayloadError,
    PeerError,
    WebhookEvent,
    full_name,
    gift_message_from,
    header,
    identifier,
    iso_time,
    line_quantity,
    load_json,
    money,
    service_level_from,
    text,
    total,
    verify_hmac_base64,
)

API = "/wp-json/wc/v3"
TOPICS = {"order.created": "order.created", "order.updated": "order.updated", "order.deleted": "order.cancelled",
          "order.restored": "order.updated"}
PAID_STATUSES = {"processing", "completed"}
CANCELLED_STATUSES = {"cancelled", "trash"}
PAGE_SIZE = 100  # the REST API's maximum per_page


def is_ping(raw_body: bytes, headers: Mapping[str, str]) -> bool:
    """The unsigned form-encoded `webhook_id=<id>` WooCommerce posts when a webhook is created; it wants a 200."""
    if header(headers, "X-WC-Webhook-Signature") or not raw_body or len(raw_body) > 64:
        return False
    try:
        fields = urllib.parse.parse_qs(raw_body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return set(fields) == {"webhook_id"} and len(fields["webhook_id"]) == 1 and fields["webhook_id"][0].isdigit()


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str]) -> None:
    verify_hmac_base64(secret, raw_body, header(headers, "X-WC-Webhook-Signature"))


def parse_webhook(raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    topic = header(headers, "X-WC-Webhook-Topic")
    if not topic:
        raise PayloadError("X-WC-Webhook-Topic header is missing")
    payload = load_json(raw_body)
    kind = TOPICS.get(topic, "other")
    if kind != "other" and payload.get("id") in (None, ""):
        raise PayloadError(f"the {topic} payload has no order id")
    if kind in ("order.created", "order.updated") and text(payload.get("status")) in CANCELLED_STATUSES:
        kind = "order.cancelled"
    # X-WC-Webhook-Delivery-ID is new on every attempt, so it cannot spot a retry. The same order at
    # the same modification time is the same event. order.deleted carries only {"id": ...}.
    stamp = text(payload.get("date_modified_gmt")) or text(payload.get("date_modified")) or topic
    return WebhookEvent(topic=kind, event_id=f"woocommerce:{payload.get('id')}:{stamp}",
                        external_order_id=identifier(payload.get("id")), payload=payload)


def normalize(order: Mapping[str, Any]) -> NormalizedOrder:
    """A REST v3 order (webhook body, GET orders/{id}, or one entry of GET orders)."""
    try:
        return _normalize(order)
    except PayloadError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        raise PayloadError(f"not a WooCommerce order: {exc!r}") from None


def _normalize(order: Mapping[str, Any]) -> NormalizedOrder:
    if order.get("id") in (None, ""):
        raise PayloadError("not a WooCommerce order: it has no id")
    shipping, billing = order.get("shipping") or {}, order.get("billing") or {}
    items = order.get("line_items") or []
    status = text(order.get("status"))
    methods = " ".join(f"{s.get('method_title') or ''} {s.get('method_id') or ''}" for s in order.get("shipping_lines") or [])
    return NormalizedOrder(
        external_id=identifier(order["id"]),
        order_number=text(order.get("number")) or identifier(order["id"]),
        channel_updated_at=iso_time(order.get("date_modified_gmt"), naive_is_utc=True),
        email=text(billing.get("email")),
        customer_name=full_name(billing.get("first_name"), billing.get("last_name"))
        or full_name(shipping.get("first_name"), shipping.get("last_name")),
        ship_to=_address(shipping, billing),
        lines=tuple(_line(item) for item in items),
        currency=text(order.get("currency")) or "USD",
        subtotal=total(item.get("subtotal") for item in items),
        shipping_total=money(order.get("shipping_total")),
        tax_total=money(order.get("total_tax")),
        discount_total=money(order.get("discount_total")),
        total=money(order.get("total")),
        payment_status=_payment(status, order),
        service_level=service_level_from(methods),
        is_cancelled=status in CANCELLED_STATUSES,
        placed_at=iso_time(order.get("date_created_gmt"), naive_is_utc=True),
        note=text(order.get("customer_note")) if isinstance(order.get("customer_note"), str) else "",
        gift_message=gift_message_from(order.get("meta_data")),
        raw_status=status,
    )


def _line(item: Mapping[str, Any]) -> NormalizedLine:
    # A quantity that is not a whole number of at least 1 keeps the line at 0, with its problem: the order
    # is held naming what arrived.
    count, problem = line_quantity(item.get("quantity"))
    subtotal, line_total = money(item.get("subtotal")), money(item.get("total"))
    return NormalizedLine(
        external_line_id=text(item["id"]), sku=text(item.get("sku")), name=text(item.get("name")), quantity=count,
        # `price` is the discounted line total over the quantity; the list price is subtotal / quantity.
        unit_price=(subtotal / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else money(item.get("price")),
        discount=subtotal - line_total, problem=problem,
    )


def _address(shipping: Mapping[str, Any], billing: Mapping[str, Any]) -> NormalizedAddress | None:
    if not any(shipping.get(k) for k in ("address_1", "city", "postcode")):
        return None  # a virtual-only order has no shipping address
    return NormalizedAddress(
        name=full_name(shipping.get("first_name"), shipping.get("last_name")), company=text(shipping.get("company")),
        line1=text(shipping.get("address_1")), line2=text(shipping.get("address_2")), city=text(shipping.get("city")),
        region=text(shipping.get("state")), postal_code=text(shipping.get("postcode")),
        country=text(shipping.get("country")).upper(),
        phone=text(shipping.get("phone")) or text(billing.get("phone")),  # shipping.phone exists since WC 5.6
    )


def _payment(status: str, order: Mapping[str, Any]) -> str:
    if status == "refunded":
        return "refunded"
    if status == "failed" or status in CANCELLED_STATUSES:
        return "voided"
    if status in PAID_STATUSES or order.get("date_paid_gmt"):
        return "paid"
    return "pending"  # pending, on-hold (e.g. awaiting a bank transfer), checkout-draft


class WooCommerceClient:
    """base_url is the site root, e.g. https://shop.example.com."""

    def __init__(self, base_url: str, consumer_key: str, consumer_secret: str, *, timeout: float = 10.0):
        token = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()
        self.http = HttpClient(base_url, {"Authorization": f"Basic {token}"},
                               redact=(consumer_key, consumer_secret, token), timeout=timeout)

    def fetch_order(self, external_id: str) -> dict[str, Any]:
        body, _ = self.http.request("GET", f"{API}/orders/{urllib.parse.quote(str(external_id), safe='')}")
        if not isinstance(body, dict) or "id" not in body:
            raise PeerError(f"WooCommerce returned no order {external_id}", status=502)
        return body

    def list_orders_changed_since(self, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Orders modified since the cursor (a `date_modified_gmt` value), oldest first, every page.
        `modified_after` (WooCommerce 5.8+) is exclusive and has one-second resolution, so we ask from one
        second before the cursor: an order changed in that same second is read again, never missed."""
        since = None
        if cursor:
            since = (iso_time(cursor, naive_is_utc=True) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        orders: list[dict[str, Any]] = []
        page = 1
        while True:
            body, headers = self.http.request("GET", f"{API}/orders", params={
                "modified_after": since, "dates_are_gmt": "true" if since else None, "orderby": "modified",
                "order": "asc", "per_page": PAGE_SIZE, "page": page,
            })
            orders.extend(body or [])
            try:
                pages = int(headers.get("X-WP-TotalPages") or 1)
            except ValueError:
                pages = 1
            if not body or page >= pages:
                break
            page += 1
        stamps = [(iso_time(o["date_modified_gmt"], naive_is_utc=True), o["date_modified_gmt"])
                  for o in orders if o.get("date_modified_gmt")]
        return orders, (max(stamps)[1] if stamps else cursor)

    # --- sync-back: order status and notes. Core WooCommerce has no shipment object; the tracking travels
    # as a customer note (WooCommerce emails it). Every write looks first, so a repeated delivery adds nothing.
    def push_allocated(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """Allocated maps to "processing" (paid, being prepared): usually already so, then nothing is sent.
        Only a status before it moves; a later one set on the storefront is left alone."""
        return self._set_status(external_id, "processing", only_from={"pending", "on-hold"})

    def push_shipped(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """A customer note with carrier, service, tracking number and URL, then "completed" once the whole
        order has shipped (a partial shipment leaves it "processing")."""
        items = ", ".join(f"{line['qty']} x {line['sku']}" for line in payload.get("lines") or [])
        service = " ".join(filter(None, [payload.get("carrier"), payload.get("service")]))
        packages = [n for n in payload.get("package_tracking_numbers") or [] if n]
        if len(packages) > 1:
            text = f"Shipped via {service} in {len(packages)} parcels: tracking numbers {', '.join(packages)}"
        else:
            text = f"Shipped via {service}: tracking number {payload['tracking_number']}"
            text += f" ({payload['tracking_url']})" if payload.get("tracking_url") else ""
        text += f". Items: {items}." if items else "."
        done = [self._add_note(external_id, text, customer_note=True)]
        if payload.get("order_status", "shipped") == "shipped":
            done.append(self._set_status(external_id, "completed"))
        return "; ".join(done)

    def push_delivered(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """WooCommerce has no delivered status: a private note, and "completed" if it was not yet."""
        numbers = ", ".join(s["tracking_number"] for s in payload.get("shipments") or [] if s.get("tracking_number"))
        note = self._add_note(external_id, f"Delivered (tracking {numbers or 'n/a'}).", customer_note=False)
        return f"{note}; {self._set_status(external_id, 'completed')}"

    def push_exception(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """WooCommerce has no delivery exception: a customer note names the parcel and what the carrier said."""
        what = "returned to the sender" if payload.get("status") == "return_to_sender" else "held up by the carrier"
        text = (f"Your parcel {payload.get('carrier') or ''} {payload.get('tracking_number') or ''} was {what}: "
                f"{payload.get('description') or 'no details given'}.")
        return self._add_note(external_id, " ".join(text.split()), customer_note=True)

    def push_cancelled(self, external_id: str, payload: Mapping[str, Any]) -> str:
        status = self._set_status(external_id, "cancelled")
        note = self._add_note(external_id, f"Cancelled by the warehouse: {payload.get('reason') or 'no reason given'}.",
                              customer_note=False)
        return f"{status}; {note}"

    def push_refunded(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """A refund: an order refund record (api_refund false: the money moves through the merchant's
        gateway as they decide), found again by the RMA number on a second delivery. Store credit has no
        core WooCommerce record: a customer note says it was issued."""
        rma = payload.get("rma")
        if payload.get("resolution") == "store_credit":
            return self._add_note(external_id, f"Store credit of {payload.get('amount')} {payload.get('currency')} issued "
                                  f"for return {rma}.", customer_note=True)
        refunds, _ = self.http.request("GET", f"{self._order_path(external_id)}/refunds")
        if any(isinstance(r, dict) and f"Return {rma}" in (r.get("reason") or "") for r in refunds or []):
            return f"already refunded for {rma}"
        body, _ = self.http.request("POST", f"{self._order_path(external_id)}/refunds", body={
            "amount": payload.get("amount"), "reason": f"Return {rma}: {payload.get('reason') or ''}"[:200],
            "api_refund": False,
            "line_items": [{"id": line["external_line_id"], "quantity": line["qty"]} for line in payload.get("lines") or []],
        })
        return f"refund {(body or {}).get('id')}"

    def _order_path(self, external_id: str) -> str:
        return f"{API}/orders/{urllib.parse.quote(str(external_id), safe='')}"

    def _set_status(self, external_id: str, status: str, *, only_from: set[str] | None = None) -> str:
        current = self.fetch_order(external_id).get("status")
        if current == status:
            return f"status already {status}"
        if only_from is not None and current not in only_from:
            return f"status {current} left as it is"
        self.http.request("PUT", self._order_path(external_id), body={"status": status})
        return f"status {current} -> {status}"

    def _add_note(self, external_id: str, text: str, *, customer_note: bool) -> str:
        notes, _ = self.http.request("GET", f"{self._order_path(external_id)}/notes", params={"type": "any"})
        if any(isinstance(n, dict) and n.get("note") == text for n in notes or []):
            return "note already there"
        body, _ = self.http.request("POST", f"{self._order_path(external_id)}/notes",
                                    body={"note": text, "customer_note": customer_note})
        return f"note {(body or {}).get('id')}"

    def set_available(self, sku: str, qty: int) -> dict[str, Any]:
        """Find the product by SKU, then PUT its stock_quantity. The core `?sku=` filter searches simple
        and parent products only; a SKU that lives on a variation is reported as not found."""
        found, _ = self.http.request("GET", f"{API}/products", params={"sku": sku})
        product = next((p for p in found or [] if isinstance(p, dict) and p.get("sku") == sku), None)
        if product is None:
            raise PeerError(f"no WooCommerce product has SKU {sku}", status=404)
        body, _ = self.http.request("PUT", f"{API}/products/{product['id']}",
                                    body={"manage_stock": True, "stock_quantity": qty})
        return body or {}
