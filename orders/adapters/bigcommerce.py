"""BigCommerce: thin webhooks authenticated by a secret header; the order is fetched from the v2 API."""

from __future__ import annotations

import hmac
from datetime import datetime
from email.utils import parsedate_to_datetime

from orders.adapters.base import (
    HttpClient,
    NormalizedAddress,
    NormalizedLine,
    NormalizedOrder,
    PayloadError,
    SignatureError,
    WebhookEvent,
    header,
    load_json,
    money,
    service_level_from,
)

SECRET_HEADER = "X-WMS-Webhook-Secret"  # set as a custom header when the webhook is registered
TOPICS = {"store/order/created": "order.created", "store/order/updated": "order.updated",
          "store/order/statusUpdated": "order.updated", "store/order/archived": "order.cancelled"}
CANCELLED_STATUS_IDS = {5}  # Cancelled
UNPAID_STATUS_IDS = {0, 7}  # Incomplete, Awaiting Payment
REFUNDED_STATUS_IDS = {4}


def verify(secret: str, raw_body: bytes, headers) -> None:
    given = header(headers, SECRET_HEADER)
    if not given:
        raise SignatureError(f"{SECRET_HEADER} header is missing")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise SignatureError(f"{SECRET_HEADER} does not match")


def parse_webhook(raw_body: bytes, headers) -> WebhookEvent:
    payload = load_json(raw_body)
    data = payload.get("data") or {}
    if not payload.get("scope") or "id" not in data or not payload.get("hash"):
        raise PayloadError("a BigCommerce webhook needs scope, data.id and hash")
    return WebhookEvent(topic=TOPICS.get(payload["scope"], "other"), event_id=f"bigcommerce:{payload['hash']}",
                        external_order_id=str(data["id"]), payload=payload)


def normalize(order: dict) -> NormalizedOrder:
    """`order` is the v2 order with its `products` and `shipping_addresses` lists (see fetch_order)."""
    try:
        addresses = order.get("shipping_addresses") or []
        address = addresses[0] if addresses else None
        billing = order.get("billing_address") or {}
        status_id = int(order.get("status_id") or 0)
        lines = tuple(
            NormalizedLine(
                external_line_id=str(item["id"]), sku=(item.get("sku") or "").strip(), name=item.get("name") or "",
                quantity=int(item.get("quantity") or 0), unit_price=money(item.get("base_price")),
                discount=sum((money(d.get("amount")) for d in item.get("applied_discounts") or []), money(0)),
            )
            for item in order.get("products") or []
        )
        return NormalizedOrder(
            external_id=str(order["id"]), order_number=str(order["id"]), channel_updated_at=_rfc2822(order.get("date_modified")),
            email=billing.get("email") or "", customer_name=" ".join(filter(None, [billing.get("first_name"), billing.get("last_name")])),
            ship_to=NormalizedAddress(
                name=" ".join(filter(None, [address.get("first_name"), address.get("last_name")])),
                company=address.get("company") or "", line1=address.get("street_1") or "", line2=address.get("street_2") or "",
                city=address.get("city") or "", region=_state_code(address), postal_code=address.get("zip") or "",
                country=address.get("country_iso2") or "", phone=address.get("phone") or "",
            ) if address else None,
            lines=lines, currency=order.get("currency_code") or "USD", subtotal=money(order.get("subtotal_ex_tax")),
            shipping_total=money(order.get("shipping_cost_inc_tax")), tax_total=money(order.get("total_tax")),
            discount_total=money(order.get("discount_amount")), total=money(order.get("total_inc_tax")),
            payment_status="pending" if status_id in UNPAID_STATUS_IDS else ("refunded" if status_id in REFUNDED_STATUS_IDS else "paid"),
            service_level=service_level_from(address.get("shipping_method", "") if address else ""),
            is_cancelled=status_id in CANCELLED_STATUS_IDS, placed_at=_rfc2822(order.get("date_created")),
            raw_status=order.get("status") or str(status_id),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"not a BigCommerce order: {exc!r}") from None


US_STATES = {"new jersey": "NJ", "new york": "NY", "california": "CA", "texas": "TX", "illinois": "IL", "washington": "WA",
             "florida": "FL", "massachusetts": "MA", "pennsylvania": "PA", "ohio": "OH", "georgia": "GA", "oregon": "OR"}


def _state_code(address: dict) -> str:
    state = address.get("state") or ""
    return US_STATES.get(state.lower(), state) if len(state) > 2 else state


def _rfc2822(value) -> datetime | None:
    return parsedate_to_datetime(value) if value else None


class BigCommerceClient:
    """base_url is https://api.bigcommerce.com/stores/<store hash>."""

    def __init__(self, base_url: str, access_token: str):
        self.http = HttpClient(base_url, {"X-Auth-Token": access_token})

    def fetch_order(self, order_id: str) -> dict:
        order, _ = self.http.request("GET", f"/v2/orders/{order_id}")
        products, _ = self.http.request("GET", f"/v2/orders/{order_id}/products")
        addresses, _ = self.http.request("GET", f"/v2/orders/{order_id}/shipping_addresses")
        return {**order, "products": products or [], "shipping_addresses": addresses or []}

    def list_orders_changed_since(self, cursor: str | None) -> tuple[list[dict], str | None]:
        orders, page = [], 1
        while True:
            body, _ = self.http.request("GET", "/v2/orders", params={
                "min_date_modified": cursor, "sort": "date_modified:asc", "limit": 250, "page": page})
            if not body:
                break
            orders.extend(self.fetch_order(str(o["id"])) for o in body)
            if len(body) < 250:
                break
            page += 1
        stamps = [_rfc2822(o.get("date_modified")) for o in orders if o.get("date_modified")]
        return orders, (max(stamps).isoformat() if stamps else cursor)

    def set_available(self, sku: str, qty: int) -> dict:
        body, _ = self.http.request("PUT", "/v3/inventory/adjustments/absolute", body={
            "reason": "Available to sell from the warehouse", "items": [{"location_id": 1, "sku": sku, "quantity": qty}]})
        return body or {}
