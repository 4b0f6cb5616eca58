"""Shopify: HMAC-signed order webhooks, Admin REST for the catch-up pull, GraphQL for stock."""

from __future__ import annotations

import re
from datetime import datetime

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

API_VERSION = "2024-10"
TOPICS = {"orders/create": "order.created", "orders/updated": "order.updated", "orders/cancelled": "order.cancelled",
          "orders/paid": "order.paid", "orders/edited": "order.updated"}
PAYMENT = {"paid": "paid", "authorized": "paid", "partially_refunded": "paid", "pending": "pending",
           "partially_paid": "partially_paid", "refunded": "refunded", "voided": "voided"}


def verify(secret: str, raw_body: bytes, headers) -> None:
    verify_hmac_base64(secret, raw_body, header(headers, "X-Shopify-Hmac-Sha256"))


def parse_webhook(raw_body: bytes, headers) -> WebhookEvent:
    payload = load_json(raw_body)
    topic = header(headers, "X-Shopify-Topic") or ""
    if "id" not in payload:
        raise PayloadError("the order has no id")
    event_id = header(headers, "X-Shopify-Event-Id") or header(headers, "X-Shopify-Webhook-Id")
    if not event_id:
        event_id = f"{topic}:{payload['id']}:{payload.get('updated_at', '')}"
    triggered = header(headers, "X-Shopify-Triggered-At")
    return WebhookEvent(
        topic=TOPICS.get(topic, "other"), event_id=f"shopify:{event_id}", external_order_id=str(payload["id"]),
        payload=payload, triggered_at=_time(triggered) if triggered else None,
    )


def normalize(order: dict) -> NormalizedOrder:
    try:
        lines = tuple(
            NormalizedLine(
                external_line_id=str(item["id"]), sku=(item.get("sku") or "").strip(),
                name=item.get("name") or item.get("title") or "", quantity=int(item.get("quantity") or 0),
                unit_price=money(item.get("price")),
                discount=sum((money(d.get("amount")) for d in item.get("discount_allocations") or []), money(0))
                or money(item.get("total_discount")),
            )
            for item in order.get("line_items") or []
        )
        address = order.get("shipping_address") or None
        customer = order.get("customer") or {}
        shipping_lines = order.get("shipping_lines") or []
        shipping = order.get("total_shipping_price_set", {}).get("shop_money", {}).get("amount")
        return NormalizedOrder(
            external_id=str(order["id"]), order_number=order.get("name") or str(order.get("order_number") or order["id"]),
            channel_updated_at=_time(order.get("updated_at")), email=order.get("email") or customer.get("email") or "",
            customer_name=" ".join(filter(None, [customer.get("first_name"), customer.get("last_name")])),
            ship_to=NormalizedAddress(
                name=address.get("name") or " ".join(filter(None, [address.get("first_name"), address.get("last_name")])),
                company=address.get("company") or "", line1=address.get("address1") or "",
                line2=address.get("address2") or "", city=address.get("city") or "",
                region=address.get("province_code") or "", postal_code=address.get("zip") or "",
                country=address.get("country_code") or "", phone=address.get("phone") or "",
            ) if address else None,
            lines=lines, currency=order.get("currency") or "USD", subtotal=money(order.get("subtotal_price")),
            shipping_total=money(shipping if shipping is not None else sum((money(s.get("price")) for s in shipping_lines), money(0))),
            tax_total=money(order.get("total_tax")), discount_total=money(order.get("total_discounts")),
            total=money(order.get("total_price")), payment_status=PAYMENT.get(order.get("financial_status") or "", "pending"),
            service_level=service_level_from(" ".join(f"{s.get('title', '')} {s.get('code', '')}" for s in shipping_lines)),
            is_cancelled=bool(order.get("cancelled_at")), placed_at=_time(order.get("created_at")),
            raw_status=order.get("financial_status") or "",
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"not a Shopify order: {exc!r}") from None


def _time(value) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


class ShopifyClient:
    def __init__(self, base_url: str, access_token: str, *, location_id: str = ""):
        self.http = HttpClient(base_url, {"X-Shopify-Access-Token": access_token})
        self.location_id = location_id

    def list_orders_changed_since(self, cursor: str | None) -> tuple[list[dict], str | None]:
        """Orders updated since the cursor (ISO time), oldest first, following Link pagination."""
        params = {"status": "any", "limit": 250, "order": "updated_at asc", "updated_at_min": cursor}
        path = f"/admin/api/{API_VERSION}/orders.json"
        orders: list[dict] = []
        while True:
            body, headers = self.http.request("GET", path, params=params)
            orders.extend(body.get("orders", []))
            link = next((v for k, v in headers.items() if k.lower() == "link"), "")
            page_info = re.search(r'page_info=([^&>]+)[^>]*>;\s*rel="next"', link or "")
            if not page_info:
                break
            params = {"limit": 250, "page_info": page_info.group(1)}
        newest = max((o.get("updated_at") or "" for o in orders), default="") or cursor
        return orders, newest

    def set_available(self, sku: str, qty: int) -> dict:
        """GraphQL inventorySetQuantities with compare-and-set against the level just read."""
        found = self._graphql(
            "query($q: String!) { productVariants(first: 1, query: $q) { nodes { inventoryItem { id "
            "inventoryLevels(first: 10) { nodes { location { id } quantities(names: [\"available\"]) { quantity } } } } } } }",
            {"q": f"sku:{sku}"},
        )
        nodes = found["productVariants"]["nodes"]
        if not nodes:
            raise PeerError(f"no Shopify variant has SKU {sku}", status=404)
        item = nodes[0]["inventoryItem"]
        levels = item["inventoryLevels"]["nodes"]
        level = next((lv for lv in levels if not self.location_id or lv["location"]["id"] == self.location_id), None)
        if level is None:
            raise PeerError(f"SKU {sku} is not stocked at location {self.location_id}", status=404)
        current = level["quantities"][0]["quantity"] if level["quantities"] else None
        result = self._graphql(
            "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { "
            "userErrors { field message code } } }",
            {"input": {"name": "available", "reason": "correction", "quantities": [{
                "inventoryItemId": item["id"], "locationId": level["location"]["id"], "quantity": qty,
                "compareQuantity": current}]}},
        )
        errors = result["inventorySetQuantities"]["userErrors"]
        if errors:
            raise PeerError(f"Shopify refused the stock update: {errors[0].get('message')}", status=409)
        return {"sku": sku, "quantity": qty, "previous": current}

    def _graphql(self, query: str, variables: dict) -> dict:
        body, _ = self.http.request("POST", f"/admin/api/{API_VERSION}/graphql.json", body={"query": query, "variables": variables})
        if body.get("errors"):
            raise PeerError(f"Shopify GraphQL error: {body['errors']}")
        return body["data"]
