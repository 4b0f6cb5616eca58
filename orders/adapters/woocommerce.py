"""WooCommerce: HMAC-signed webhooks (plus an unsigned creation ping), REST v3 for pulls and stock."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs

from orders.adapters.base import (
    HttpClient,
    NormalizedAddress,
    NormalizedLine,
    NormalizedOrder,
    PayloadError,
    PeerError,
    WebhookEvent,
    header,
    load_json,
    money,
    service_level_from,
    verify_hmac_base64,
)

TOPICS = {"order.created": "order.created", "order.updated": "order.updated", "order.deleted": "order.cancelled",
          "order.restored": "order.updated"}
PAID = {"processing", "completed"}


def is_ping(raw_body: bytes, headers) -> bool:
    """The unsigned form-encoded `webhook_id=<id>` WooCommerce sends when a webhook is created."""
    if header(headers, "X-WC-Webhook-Signature") or not raw_body or len(raw_body) > 200:
        return False
    try:
        fields = parse_qs(raw_body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return set(fields) == {"webhook_id"} and fields["webhook_id"][0].isdigit()


def verify(secret: str, raw_body: bytes, headers) -> None:
    verify_hmac_base64(secret, raw_body, header(headers, "X-WC-Webhook-Signature"))


def parse_webhook(raw_body: bytes, headers) -> WebhookEvent:
    payload = load_json(raw_body)
    topic = header(headers, "X-WC-Webhook-Topic") or ""
    if "id" not in payload:
        raise PayloadError("the order has no id")
    normalized_topic = TOPICS.get(topic, "other")
    if payload.get("status") == "cancelled":
        normalized_topic = "order.cancelled"
    # Delivery ids are new on every delivery: the same order at the same modification time is the same event.
    stamp = payload.get("date_modified_gmt") or payload.get("date_modified") or topic
    return WebhookEvent(topic=normalized_topic, event_id=f"woocommerce:{payload['id']}:{stamp}",
                        external_order_id=str(payload["id"]), payload=payload)


def normalize(order: dict) -> NormalizedOrder:
    try:
        shipping, billing = order.get("shipping") or {}, order.get("billing") or {}
        lines = tuple(
            NormalizedLine(
                external_line_id=str(item["id"]), sku=(item.get("sku") or "").strip(), name=item.get("name") or "",
                quantity=int(item.get("quantity") or 0), unit_price=money(item.get("price")),
                discount=money(item.get("subtotal")) - money(item.get("total")),
            )
            for item in order.get("line_items") or []
        )
        status = order.get("status") or ""
        methods = " ".join(f"{s.get('method_title', '')} {s.get('method_id', '')}" for s in order.get("shipping_lines") or [])
        has_address = any(shipping.get(k) for k in ("address_1", "city", "postcode"))
        return NormalizedOrder(
            external_id=str(order["id"]), order_number=str(order.get("number") or order["id"]),
            channel_updated_at=_gmt(order.get("date_modified_gmt")), email=billing.get("email") or "",
            customer_name=" ".join(filter(None, [billing.get("first_name"), billing.get("last_name")])),
            ship_to=NormalizedAddress(
                name=" ".join(filter(None, [shipping.get("first_name"), shipping.get("last_name")])),
                company=shipping.get("company") or "", line1=shipping.get("address_1") or "",
                line2=shipping.get("address_2") or "", city=shipping.get("city") or "", region=shipping.get("state") or "",
                postal_code=shipping.get("postcode") or "", country=shipping.get("country") or "",
                phone=shipping.get("phone") or billing.get("phone") or "",
            ) if has_address else None,
            lines=lines, currency=order.get("currency") or "USD",
            subtotal=sum((money(item.get("subtotal")) for item in order.get("line_items") or []), money(0)),
            shipping_total=money(order.get("shipping_total")), tax_total=money(order.get("total_tax")),
            discount_total=money(order.get("discount_total")), total=money(order.get("total")),
            payment_status="paid" if status in PAID or order.get("date_paid_gmt") else ("refunded" if status == "refunded" else "pending"),
            service_level=service_level_from(methods), is_cancelled=status in ("cancelled", "trash"),
            placed_at=_gmt(order.get("date_created_gmt")), raw_status=status,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"not a WooCommerce order: {exc!r}") from None


def _gmt(value) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


class WooCommerceClient:
    def __init__(self, base_url: str, consumer_key: str, consumer_secret: str):
        token = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()
        self.http = HttpClient(base_url, {"Authorization": f"Basic {token}"})

    def list_orders_changed_since(self, cursor: str | None) -> tuple[list[dict], str | None]:
        orders, page = [], 1
        while True:
            body, headers = self.http.request("GET", "/wp-json/wc/v3/orders", params={
                "modified_after": cursor, "orderby": "modified", "order": "asc", "per_page": 100, "page": page,
                "dates_are_gmt": "true"})
            orders.extend(body or [])
            total_pages = int(next((v for k, v in headers.items() if k.lower() == "x-wp-totalpages"), "1") or 1)
            if page >= total_pages or not body:
                break
            page += 1
        newest = max((o.get("date_modified_gmt") or "" for o in orders), default="") or cursor
        return orders, newest

    def set_available(self, sku: str, qty: int) -> dict:
        found, _ = self.http.request("GET", "/wp-json/wc/v3/products", params={"sku": sku})
        if not found:
            raise PeerError(f"no WooCommerce product has SKU {sku}", status=404)
        product_id = found[0]["id"]
        body, _ = self.http.request("PUT", f"/wp-json/wc/v3/products/{product_id}",
                                    body={"manage_stock": True, "stock_quantity": qty})
        return body
