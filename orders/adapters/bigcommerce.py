"""BigCommerce: thin webhooks authenticated by a secret custom header; the order itself is read from the
v2 Orders API (order, products, shipping addresses) and stock is set with v3 absolute inventory adjustments.
Sync-back uses v2 order shipments (tracking) and the order's `status_id`.

Register the webhook with `"headers": {"X-WMS-Webhook-Secret": "<the channel's webhook secret>"}`:
BigCommerce sends those headers back on every callback.
"""

from __future__ import annotations

import hmac
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from orders.adapters.base import (
    HttpClient,
    NormalizedAddress,
    NormalizedLine,
    NormalizedOrder,
    PayloadError,
    PeerError,
    SignatureError,
    WebhookEvent,
    full_name,
    header,
    identifier,
    line_label,
    line_quantity,
    load_json,
    money,
    service_level_from,
    text,
    total,
)

SECRET_HEADER = "X-WMS-Webhook-Secret"
TOPICS = {"store/order/created": "order.created", "store/order/updated": "order.updated",
          "store/order/statusUpdated": "order.updated", "store/order/archived": "order.cancelled"}
# v2 order status ids (GET /v2/order_statuses). Ids not listed are paid: 2 Shipped, 3 Partially Shipped,
# 8 Awaiting Pickup, 9 Awaiting Shipment, 10 Completed, 11 Awaiting Fulfillment, 14 Partially Refunded.
CANCELLED = 5
PARTIALLY_REFUNDED = 14
PAYMENT_BY_STATUS = {
    0: "pending",  # Incomplete
    1: "pending",  # Pending: checkout not finished
    7: "pending",  # Awaiting Payment: authorized, not captured
    12: "pending",  # Manual Verification Required
    13: "pending",  # Disputed
    4: "refunded",  # Refunded
    5: "voided",  # Cancelled
    6: "voided",  # Declined
}
PAGE_SIZE = 250  # the v2 API's maximum limit
# Sync-back: the status each change sets. Allocated is "Awaiting Fulfillment" (paid, the warehouse has it);
# delivered is "Completed" (shipped and receipt confirmed).
SHIPPED, PARTIALLY_SHIPPED, COMPLETED, AWAITING_FULFILLMENT = 2, 3, 10, 11
# `shipping_provider` names a BigCommerce carrier integration; any other carrier goes as "" (a plain tracking
# number) rather than being left out, which BigCommerce would read as "custom".
SHIPPING_PROVIDERS = {"auspost", "canadapost", "endicia", "usps", "fedex", "ups", "upsready", "upsonline", "shipperhq"}
TRACKING_CARRIERS = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl", "dhl express": "dhl",
                     "canada post": "canada-post", "canadapost": "canada-post", "australia post": "australia-post",
                     "auspost": "australia-post", "royal mail": "royal-mail", "royalmail": "royal-mail"}


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str]) -> None:
    if not secret:
        raise SignatureError("no webhook secret is configured for this channel")
    given = header(headers, SECRET_HEADER)
    if not given:
        raise SignatureError(f"{SECRET_HEADER} header is missing")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise SignatureError(f"{SECRET_HEADER} does not match")


def parse_webhook(raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """`{"scope": "store/order/created", "data": {"type": "order", "id": 250}, "hash": "…", ...}`.
    `hash` identifies the event: a redelivery of the same event carries the same hash."""
    payload = load_json(raw_body)
    scope, data, event_hash = payload.get("scope"), payload.get("data"), payload.get("hash")
    if not scope or not event_hash or not isinstance(data, dict):
        raise PayloadError("a BigCommerce webhook needs scope, data and hash")
    kind = TOPICS.get(str(scope), "other")
    if kind != "other" and data.get("id") in (None, ""):
        raise PayloadError(f"the {scope} payload has no order id")
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
    if scope == "store/order/statusUpdated" and status.get("new_status_id") == CANCELLED:
        kind = "order.cancelled"
    return WebhookEvent(topic=kind, event_id=f"bigcommerce:{event_hash}", external_order_id=text(data.get("id")),
                        payload=payload)


def normalize(order: Mapping[str, Any]) -> NormalizedOrder:
    """The v2 order with its `products` and `shipping_addresses` lists, as `BigCommerceClient.fetch_order`
    assembles it. An order ships to its first shipping address."""
    try:
        return _normalize(order)
    except PayloadError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"not a BigCommerce order: {exc!r}") from None


def _normalize(order: Mapping[str, Any]) -> NormalizedOrder:
    if order.get("id") in (None, ""):
        raise PayloadError("not a BigCommerce order: it has no id")
    products, addresses = order.get("products"), order.get("shipping_addresses")
    if not isinstance(products, list) or not isinstance(addresses, list):
        raise PayloadError("the order's products and shipping addresses were not fetched (see fetch_order)")
    address = addresses[0] if addresses else None
    billing = order.get("billing_address") or {}
    status_id = int(order.get("status_id") or 0)
    shipping = order.get("shipping_cost_ex_tax")
    return NormalizedOrder(
        external_id=identifier(order["id"]),
        order_number=identifier(order["id"]),
        channel_updated_at=rfc2822(order.get("date_modified")),
        email=text(billing.get("email")) or (text(address.get("email")) if address else ""),
        customer_name=full_name(billing.get("first_name"), billing.get("last_name")),
        ship_to=_address(address) if address else None,
        lines=tuple(_line(item) for item in products if item.get("type") != "digital"),
        set_aside=tuple(f"{line_label(item.get('sku'), item.get('name'), item.get('id'))}: digital, needs no shipping"
                        for item in products if item.get("type") == "digital"),
        currency=text(order.get("currency_code")) or "USD",
        subtotal=money(order.get("subtotal_ex_tax")),
        shipping_total=money(shipping if shipping is not None else order.get("shipping_cost_inc_tax")),
        tax_total=money(order.get("total_tax")),
        discount_total=money(order.get("discount_amount")) + money(order.get("coupon_discount")),
        total=money(order.get("total_inc_tax")),
        payment_status=PAYMENT_BY_STATUS.get(status_id, "paid"),
        service_level=service_level_from(text(address.get("shipping_method")) if address else ""),
        is_cancelled=status_id == CANCELLED,
        placed_at=rfc2822(order.get("date_created")),
        note=text(order.get("customer_message")) if isinstance(order.get("customer_message"), str) else "",
        # BigCommerce carries a gift message as the gift wrapping message of a product.
        gift_message=next((text(item.get("wrapping_message")) for item in products
                           if isinstance(item.get("wrapping_message"), str) and item.get("wrapping_message").strip()), ""),
        raw_status=text(order.get("status")) or str(status_id),
    )


def _line(item: Mapping[str, Any]) -> NormalizedLine:
    price = item.get("price_ex_tax")
    # A quantity that is not a whole number of at least 1 keeps the line at 0, with its problem: the order
    # is held naming what arrived.
    count, problem = line_quantity(item.get("quantity"))
    return NormalizedLine(
        external_line_id=text(item["id"]), sku=text(item.get("sku")), name=text(item.get("name")),
        quantity=count, problem=problem, unit_price=money(price if price is not None else item.get("base_price")),
        discount=total(d.get("amount") for d in item.get("applied_discounts") or []),
    )


def _address(address: Mapping[str, Any]) -> NormalizedAddress:
    country = text(address.get("country_iso2")).upper()
    state = text(address.get("state"))
    return NormalizedAddress(
        name=full_name(address.get("first_name"), address.get("last_name")), company=text(address.get("company")),
        line1=text(address.get("street_1")), line2=text(address.get("street_2")), city=text(address.get("city")),
        # v2 addresses carry the state's name ("New Jersey"); the canonical order wants its code.
        region=REGION_CODES.get(country, {}).get(state.lower(), state), postal_code=text(address.get("zip")),
        country=country, phone=text(address.get("phone")),
    )


def rfc2822(value: Any) -> datetime | None:
    """v2 dates look like "Tue, 20 Nov 2012 00:00:00 +0000"."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        raise PayloadError(f"{value!r} is not an RFC 2822 date") from None


def _regions(table: str) -> dict[str, str]:
    return {name.strip().lower(): code for code, _, name in (e.strip().partition(" ") for e in table.split(";") if e.strip())}


REGION_CODES: dict[str, dict[str, str]] = {
    "US": _regions(
        "AL Alabama; AK Alaska; AS American Samoa; AZ Arizona; AR Arkansas; CA California; CO Colorado; CT Connecticut;"
        "DE Delaware; DC District of Columbia; FL Florida; GA Georgia; GU Guam; HI Hawaii; ID Idaho; IL Illinois;"
        "IN Indiana; IA Iowa; KS Kansas; KY Kentucky; LA Louisiana; ME Maine; MD Maryland; MA Massachusetts;"
        "MI Michigan; MN Minnesota; MS Mississippi; MO Missouri; MT Montana; NE Nebraska; NV Nevada; NH New Hampshire;"
        "NJ New Jersey; NM New Mexico; NY New York; NC North Carolina; ND North Dakota; MP Northern Mariana Islands;"
        "OH Ohio; OK Oklahoma; OR Oregon; PA Pennsylvania; PR Puerto Rico; RI Rhode Island; SC South Carolina;"
        "SD South Dakota; TN Tennessee; TX Texas; UT Utah; VT Vermont; VI Virgin Islands; VA Virginia; WA Washington;"
        "WV West Virginia; WI Wisconsin; WY Wyoming; AA Armed Forces Americas; AE Armed Forces Europe;"
        "AP Armed Forces Pacific"
    ),
    "CA": _regions(
        "AB Alberta; BC British Columbia; MB Manitoba; NB New Brunswick; NL Newfoundland and Labrador; NS Nova Scotia;"
        "NT Northwest Territories; NU Nunavut; ON Ontario; PE Prince Edward Island; QC Quebec; QC Québec;"
        "SK Saskatchewan; YT Yukon"
    ),
    "AU": _regions(
        "ACT Australian Capital Territory; NSW New South Wales; NT Northern Territory; QLD Queensland;"
        "SA South Australia; TAS Tasmania; VIC Victoria; WA Western Australia"
    ),
}


class BigCommerceClient:
    """base_url is https://api.bigcommerce.com/stores/<store hash>. Stock is set at `location_id`
    (1 is the store's default location)."""

    def __init__(self, base_url: str, access_token: str, *, location_id: int = 1, page_size: int = PAGE_SIZE,
                 timeout: float = 10.0):
        self.http = HttpClient(base_url, {"X-Auth-Token": access_token}, timeout=timeout)
        self.location_id = location_id
        self.page_size = page_size

    def fetch_order(self, external_id: str) -> dict[str, Any]:
        """GET /v2/orders/{id}, /products and /shipping_addresses, assembled into what normalize() reads."""
        order, _ = self.http.request("GET", f"/v2/orders/{urllib.parse.quote(str(external_id), safe='')}")
        if not isinstance(order, dict) or "id" not in order:
            raise PeerError(f"BigCommerce returned no order {external_id}", status=502)
        return self._assemble(order)

    def list_orders_changed_since(self, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Orders modified at or after the cursor (an ISO time), oldest first, each assembled like
        fetch_order. The new cursor is the newest `date_modified` seen, as ISO 8601."""
        orders = [self._assemble(order) for order in self._pages("/v2/orders", {
            "min_date_modified": cursor, "sort": "date_modified:asc"})]
        stamps = [rfc2822(o["date_modified"]) for o in orders if o.get("date_modified")]
        return orders, (max(stamps).isoformat() if stamps else cursor)

    def set_available(self, sku: str, qty: int, *, location_id: int | None = None) -> dict[str, Any]:
        body, _ = self.http.request("PUT", "/v3/inventory/adjustments/absolute", body={
            "reason": "Available to sell, from the warehouse",
            "items": [{"location_id": location_id or self.location_id, "sku": sku, "quantity": qty}],
        })
        return body or {}

    # --- sync-back: status changes and order shipments; every write looks first, so a repeated delivery
    # adds no second shipment.
    def push_allocated(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """Only an order still Pending (1) or Incomplete (0) moves to Awaiting Fulfillment; a paid order
        usually is there already, and a later status set on the storefront is left alone."""
        return self._set_status(external_id, AWAITING_FULFILLMENT, only_from={0, 1})

    def push_shipped(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """POST /v2/orders/{id}/shipments for the parcel's order products, to the order's first shipping address,
        then the order status (BigCommerce sets it itself on a shipment; we make sure)."""
        base = f"/v2/orders/{urllib.parse.quote(str(external_id), safe='')}"
        number = payload["tracking_number"]
        if any(s.get("tracking_number") == number for s in self._pages(f"{base}/shipments")):
            shipment = "shipment already there"
        else:
            addresses = self._pages(f"{base}/shipping_addresses")
            if not addresses:
                raise PeerError(f"BigCommerce order {external_id} has no shipping address", status=422)
            carrier = (payload.get("carrier") or "").strip().lower()
            body, _ = self.http.request("POST", f"{base}/shipments", body={
                "order_address_id": addresses[0]["id"], "tracking_number": number,
                "shipping_provider": carrier if carrier in SHIPPING_PROVIDERS else "",
                "tracking_carrier": TRACKING_CARRIERS.get(carrier, ""),
                "shipping_method": payload.get("service") or payload.get("carrier") or "",
                "comments": payload.get("tracking_url") or "",
                "items": self._shipment_items(self._pages(f"{base}/products"), payload.get("lines") or []),
            })
            shipment = f"shipment {(body or {}).get('id')}"
        status = SHIPPED if payload.get("order_status", "shipped") == "shipped" else PARTIALLY_SHIPPED
        return f"{shipment}; {self._set_status(external_id, status)}"

    def push_delivered(self, external_id: str, payload: Mapping[str, Any]) -> str:
        return self._set_status(external_id, COMPLETED)

    def push_exception(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """BigCommerce has no delivery exception status: a staff note, once per scan."""
        path = f"/v2/orders/{urllib.parse.quote(str(external_id), safe='')}"
        order, _ = self.http.request("GET", path)
        if not isinstance(order, dict):
            raise PeerError(f"BigCommerce returned no order {external_id}", status=502)
        what = "Returned to sender" if payload.get("status") == "return_to_sender" else "Delivery exception"
        note = (f"{what} {payload.get('occurred_at') or ''}: {payload.get('carrier') or ''} "
                f"{payload.get('tracking_number') or ''}: {payload.get('description') or ''}")
        note = " ".join(note.split())
        notes = order.get("staff_notes") or ""
        if note in notes:
            return "already noted"
        self.http.request("PUT", path, body={"staff_notes": f"{notes}\n{note}".strip()})
        return note

    def push_cancelled(self, external_id: str, payload: Mapping[str, Any]) -> str:
        return self._set_status(external_id, CANCELLED)

    def push_refunded(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """BigCommerce refunds money only through a payment-provider refund quote, which is the merchant's
        call: the order gets a staff note with the amount and the lines, and, for a refund, the
        Partially Refunded status."""
        path = f"/v2/orders/{urllib.parse.quote(str(external_id), safe='')}"
        order, _ = self.http.request("GET", path)
        if not isinstance(order, dict):
            raise PeerError(f"BigCommerce returned no order {external_id}", status=502)
        kind = "Store credit" if payload.get("resolution") == "store_credit" else "Refund"
        note = (f"{kind} of {payload.get('amount')} {payload.get('currency')} for return {payload.get('rma')}: "
                + ", ".join(f"{line['qty']} x {line['sku']}" for line in payload.get("lines") or []))
        notes = order.get("staff_notes") or ""
        if f"return {payload.get('rma')}:" in notes:
            return f"already noted for {payload.get('rma')}"
        body: dict[str, Any] = {"staff_notes": f"{notes}\n{note}".strip()}
        if kind == "Refund":
            body["status_id"] = PARTIALLY_REFUNDED
        self.http.request("PUT", path, body=body)
        return note

    def _set_status(self, external_id: str, status_id: int, *, only_from: set[int] | None = None) -> str:
        path = f"/v2/orders/{urllib.parse.quote(str(external_id), safe='')}"
        order, _ = self.http.request("GET", path)
        if not isinstance(order, dict):
            raise PeerError(f"BigCommerce returned no order {external_id}", status=502)
        current = int(order.get("status_id") or 0)
        if current == status_id:
            return f"status already {status_id}"
        if only_from is not None and current not in only_from:
            return f"status {current} left as it is"
        self.http.request("PUT", path, body={"status_id": status_id})
        return f"status {order.get('status_id')} -> {status_id}"

    @staticmethod
    def _shipment_items(products: list[dict[str, Any]], lines: list[Mapping[str, Any]]) -> list[dict[str, int]]:
        """Order product ids are our external line ids; a line without one is matched by SKU."""
        by_id = {str(p["id"]): p for p in products}
        items = []
        for line in lines:
            product = by_id.get(str(line.get("external_line_id") or "")) or next(
                (p for p in products if p.get("sku") == line["sku"]), None)
            if product is None:
                raise PeerError(f"BigCommerce order has no product for {line['sku']}", status=422)
            items.append({"order_product_id": int(product["id"]), "quantity": int(line["qty"])})
        if not items:
            raise PeerError("the parcel has no lines to ship on BigCommerce", status=422)
        return items

    def _assemble(self, order: dict[str, Any]) -> dict[str, Any]:
        # In the order body, products and shipping_addresses are only {"url": ..., "resource": ...} links.
        base = f"/v2/orders/{urllib.parse.quote(str(order['id']), safe='')}"
        return {**order, "products": self._pages(f"{base}/products"),
                "shipping_addresses": self._pages(f"{base}/shipping_addresses")}

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every page of a v2 list (default page size 50; an empty list answers 204 No Content)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body, _ = self.http.request("GET", path, params={**(params or {}), "limit": self.page_size, "page": page})
            if not body:
                return items
            if not isinstance(body, list):
                raise PeerError(f"BigCommerce answered {path} with something other than a list", status=502)
            items.extend(body)
            if len(body) < self.page_size:
                return items
            page += 1
