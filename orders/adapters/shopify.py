"""Shopify: HMAC-signed order webhooks; the Admin REST API to fetch an order and for the catch-up pull;
GraphQL `inventorySetQuantities` to set stock, and GraphQL for sync-back (`fulfillmentCreate` with tracking on
the order's fulfillment orders, `fulfillmentEventCreate` DELIVERED, `orderCancel`).

Reads use REST on purpose: webhook bodies are REST-shaped Order JSON, so one `normalize()` reads a delivery
and a pulled order alike. Stock uses GraphQL because it offers compare-and-set (REST inventory_levels/set
does not), so a push never overwrites a change made on the storefront since we read the level.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
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
    gift_message_from,
    header,
    identifier,
    iso_time,
    line_label,
    line_quantity,
    load_json,
    money,
    service_level_from,
    text,
    total,
    verify_hmac_base64,
)

API_VERSION = "2024-10"
ADMIN = f"/admin/api/{API_VERSION}"
TOPICS = {
    "orders/create": "order.created", "orders/updated": "order.updated", "orders/edited": "order.updated",
    "orders/paid": "order.paid", "orders/cancelled": "order.cancelled", "orders/delete": "order.cancelled",
    # A fulfillment order assigned to the warehouse put on hold, or released, by the merchant on Shopify.
    "fulfillment_orders/placed_on_hold": "fulfillment_order.hold",
    "fulfillment_orders/hold_released": "fulfillment_order.release",
}
FULFILLMENT_ORDER_TOPICS = {"fulfillment_order.hold", "fulfillment_order.release"}
# The fulfillment service callback (`<callback_url>/fulfillment_order_notification`): a ping to fetch the
# fulfillment orders assigned to the warehouse; its body names the kind of request.
NOTIFICATION_KINDS = {"FULFILLMENT_REQUEST": "fulfillment_service.request",
                      "CANCELLATION_REQUEST": "fulfillment_service.cancellation"}
# "authorized": the payment is captured when the order is fulfilled, so the warehouse may ship it.
PAYMENT = {
    "paid": "paid", "authorized": "paid", "partially_refunded": "paid", "pending": "pending",
    "partially_paid": "partially_paid", "refunded": "refunded", "voided": "voided", "expired": "voided",
}
PAGE_SIZE = 250


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str]) -> None:
    verify_hmac_base64(secret, raw_body, header(headers, "X-Shopify-Hmac-Sha256"))


def check_origin(store_identity: str, headers: Mapping[str, str]) -> None:
    """A delivery signed for this channel must also name its shop: a secret shared by two shops (or copied
    from one to the other) does not let one post orders into the other's channel."""
    if not store_identity:
        return
    domain = (header(headers, "X-Shopify-Shop-Domain") or "").strip().lower()
    expected = store_identity.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if domain != expected:
        raise SignatureError(f"shop domain {domain or '(missing)'!r} is not this channel's shop")


def parse_webhook(raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    topic = header(headers, "X-Shopify-Topic")
    if not topic:
        raise PayloadError("X-Shopify-Topic header is missing")
    payload = load_json(raw_body)
    kind = TOPICS.get(topic, "other")
    if kind in FULFILLMENT_ORDER_TOPICS:
        return _fulfillment_order_event(topic, kind, payload, headers)
    if kind != "other" and payload.get("id") in (None, ""):
        raise PayloadError(f"the {topic} payload has no order id")
    # X-Shopify-Event-Id is shared by every delivery of one event (retries, several subscriptions);
    # X-Shopify-Webhook-Id identifies one delivery and survives its retries.
    # One merchant action can emit several topics under one event id: the topic is part of the key.
    event_id = header(headers, "X-Shopify-Event-Id") or header(headers, "X-Shopify-Webhook-Id")
    if not event_id:
        event_id = f"{payload.get('id')}:{payload.get('updated_at', '')}"
    return WebhookEvent(
        topic=kind, event_id=f"shopify:{topic}:{event_id}", external_order_id=identifier(payload.get("id")), payload=payload,
        triggered_at=iso_time(header(headers, "X-Shopify-Triggered-At"), naive_is_utc=True),
    )


def _fulfillment_order_event(topic: str, kind: str, payload: dict[str, Any], headers: Mapping[str, str]) -> WebhookEvent:
    """fulfillment_orders/placed_on_hold and hold_released: the fulfillment order's id is the event's subject."""
    fulfillment_order = payload.get("fulfillment_order")
    fo_id = identifier(fulfillment_order.get("id")) if isinstance(fulfillment_order, dict) else ""
    if not fo_id or len(fo_id) > 64:
        raise PayloadError(f"the {topic} payload has no fulfillment order id")
    event_id = header(headers, "X-Shopify-Event-Id") or header(headers, "X-Shopify-Webhook-Id") or \
        f"{fo_id}:{header(headers, 'X-Shopify-Triggered-At') or ''}"
    return WebhookEvent(topic=kind, event_id=f"shopify:{topic}:{event_id}", external_order_id=fo_id, payload=payload,
                        triggered_at=iso_time(header(headers, "X-Shopify-Triggered-At"), naive_is_utc=True))


def parse_notification(raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """The fulfillment service callback's body: `{"kind": "FULFILLMENT_REQUEST"}` or CANCELLATION_REQUEST."""
    payload = load_json(raw_body)
    kind = NOTIFICATION_KINDS.get(payload.get("kind") if isinstance(payload.get("kind"), str) else "")
    if kind is None:
        raise PayloadError(f"kind must be one of {', '.join(NOTIFICATION_KINDS)}")
    # Shopify sends at most one such ping a minute; two in one minute ask for the same fetch.
    delivery = header(headers, "X-Shopify-Webhook-Id") or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
    return WebhookEvent(topic=kind, event_id=f"shopify:fulfillment_order_notification:{kind}:{delivery}",
                        external_order_id="", payload=payload,
                        triggered_at=iso_time(header(headers, "X-Shopify-Triggered-At"), naive_is_utc=True))


def normalize(order: Mapping[str, Any]) -> NormalizedOrder:
    """A REST Order (webhook body, GET orders/{id}.json, or one entry of orders.json)."""
    try:
        return _normalize(order)
    except PayloadError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"not a Shopify order: {exc!r}") from None


def _normalize(order: Mapping[str, Any]) -> NormalizedOrder:
    if order.get("id") in (None, ""):
        raise PayloadError("not a Shopify order: it has no id")
    customer = order.get("customer") or {}
    ship_to = _address(order.get("shipping_address"))
    billing = order.get("billing_address") or {}
    shipping_lines = order.get("shipping_lines") or []
    shipping = ((order.get("total_shipping_price_set") or {}).get("shop_money") or {}).get("amount")
    financial = text(order.get("financial_status"))
    discounts = money(_current(order, "total_discounts"))
    lines = [_line(item) for item in order.get("line_items") or []]
    return NormalizedOrder(
        external_id=identifier(order["id"]),
        order_number=text(order.get("name")) or text(order.get("order_number")) or identifier(order["id"]),
        channel_updated_at=iso_time(order.get("updated_at")),
        email=text(order.get("email")) or text(order.get("contact_email")) or text(customer.get("email")),
        customer_name=full_name(customer.get("first_name"), customer.get("last_name"))
        or text(billing.get("name")) or (ship_to.name if ship_to else ""),
        ship_to=ship_to,
        lines=tuple(line for line in lines if isinstance(line, NormalizedLine)),
        set_aside=tuple(line for line in lines if isinstance(line, str)),
        currency=text(order.get("currency")) or "USD",
        # Shopify's subtotal_price is after discounts; the canonical subtotal is before them.
        subtotal=money(_current(order, "subtotal_price")) + discounts,
        shipping_total=money(shipping) if shipping is not None else total(s.get("price") for s in shipping_lines),
        tax_total=money(_current(order, "total_tax")),
        discount_total=discounts,
        total=money(_current(order, "total_price")),
        payment_status=PAYMENT.get(financial, "pending"),
        service_level=service_level_from(" ".join(f"{s.get('title') or ''} {s.get('code') or ''}"
                                                  for s in shipping_lines)),
        is_cancelled=bool(order.get("cancelled_at")),
        placed_at=iso_time(order.get("created_at")),
        note=text(order.get("note")) if isinstance(order.get("note"), str) else "",
        gift_message=gift_message_from(order.get("note_attributes")),
        raw_status=" / ".join(filter(None, [financial, text(order.get("fulfillment_status")) or "unfulfilled",
                                            "cancelled" if order.get("cancelled_at") else ""])),
    )


def _current(order: Mapping[str, Any], name: str) -> Any:
    """`current_*` amounts reflect order edits and refunds; older payloads only carry the original."""
    value = order.get(f"current_{name}")
    return value if value is not None else order.get(name)


def _line(item: Mapping[str, Any]) -> NormalizedLine | str:
    """The line, or why it is not the warehouse's to ship. A quantity that is not a whole number of at
    least 1 keeps the line, at 0 and with its problem, for the order to be held naming it."""
    label = line_label(item.get("sku"), item.get("name") or item.get("title"), item.get("id"))
    if item.get("requires_shipping") is False:
        return f"{label}: needs no shipping (gift card or digital)"
    ordered, current = item.get("quantity"), item.get("current_quantity")
    # current_quantity (API 2024-01+) is what is left after order edits removed units.
    count, problem = line_quantity(current if current is not None else ordered)
    if current is not None and not isinstance(current, bool) and current in (0, "0") and line_quantity(ordered)[0] > 0:
        return f"{label}: removed by an order edit"
    allocations = item.get("discount_allocations")
    return NormalizedLine(
        external_line_id=text(item["id"]), sku=text(item.get("sku")), name=text(item.get("name") or item.get("title")),
        quantity=count, unit_price=money(item.get("price")), problem=problem,
        discount=total(d.get("amount") for d in allocations) if allocations else money(item.get("total_discount")),
    )


def _address(address: Mapping[str, Any] | None) -> NormalizedAddress | None:
    if not address:
        return None
    return NormalizedAddress(
        name=text(address.get("name")) or full_name(address.get("first_name"), address.get("last_name")),
        company=text(address.get("company")), line1=text(address.get("address1")), line2=text(address.get("address2")),
        city=text(address.get("city")), region=text(address.get("province_code")), postal_code=text(address.get("zip")),
        country=text(address.get("country_code")).upper(), phone=text(address.get("phone")),
    )


_LEVELS = 'id inventoryLevels(first: 20) { nodes { location { id } quantities(names: ["available"]) { name quantity } } }'
VARIANT_QUERY = "query($q: String!) { productVariants(first: 5, query: $q) { nodes { sku inventoryItem { %s } } } }" % _LEVELS
ITEM_QUERY = "query($id: ID!) { inventoryItem(id: $id) { %s } }" % _LEVELS
SET_MUTATION = (
    "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { "
    "userErrors { field message code } } }"
)


ORDER_STATE_QUERY = (
    "query($id: ID!) { order(id: $id) { id cancelledAt "
    "fulfillments(first: 50) { id displayStatus deliveredAt trackingInfo(first: 10) { company number url } } "
    "fulfillmentOrders(first: 50) { nodes { id status "
    "lineItems(first: 250) { nodes { id remainingQuantity lineItem { id sku } } } } } } }"
)
FULFILLMENT_CREATE = (
    "mutation($fulfillment: FulfillmentInput!, $message: String) { fulfillmentCreate(fulfillment: $fulfillment, "
    "message: $message) { fulfillment { id status } userErrors { field message } } }"
)
FULFILLMENT_EVENT_CREATE = (
    "mutation($fulfillmentEvent: FulfillmentEventInput!) { fulfillmentEventCreate(fulfillmentEvent: $fulfillmentEvent) "
    "{ fulfillmentEvent { id status } userErrors { field message } } }"
)
ORDER_CANCEL = (
    "mutation($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!, "
    "$notifyCustomer: Boolean, $staffNote: String) { orderCancel(orderId: $orderId, reason: $reason, refund: $refund, "
    "restock: $restock, notifyCustomer: $notifyCustomer, staffNote: $staffNote) { job { id } "
    "orderCancelUserErrors { field message code } } }"
)
# --- fulfillment service: fulfillment orders Shopify assigned to the warehouse's location ---
_ASSIGNED_FIELDS = (
    "id status requestStatus order { id legacyResourceId } "
    "lineItems(first: 250) { nodes { id sku remainingQuantity lineItem { id } } }"
)
ASSIGNED_QUERY = (
    "query($status: FulfillmentOrderAssignmentStatus, $after: String) { shop { assignedFulfillmentOrders("
    "first: 50, after: $after, assignmentStatus: $status) { nodes { %s } pageInfo { hasNextPage endCursor } } } }"
) % _ASSIGNED_FIELDS
FULFILLMENT_ORDER_QUERY = "query($id: ID!) { fulfillmentOrder(id: $id) { id status requestStatus } }"
ACCEPT_REQUEST = (
    "mutation($id: ID!, $message: String) { fulfillmentOrderAcceptFulfillmentRequest(id: $id, message: $message) "
    "{ fulfillmentOrder { id status requestStatus } userErrors { field message } } }"
)
REJECT_REQUEST = (
    "mutation($id: ID!, $message: String, $reason: FulfillmentOrderRejectionReason) { "
    "fulfillmentOrderRejectFulfillmentRequest(id: $id, message: $message, reason: $reason) "
    "{ fulfillmentOrder { id status requestStatus } userErrors { field message } } }"
)
ACCEPT_CANCELLATION = (
    "mutation($id: ID!, $message: String) { fulfillmentOrderAcceptCancellationRequest(id: $id, message: $message) "
    "{ fulfillmentOrder { id status requestStatus } userErrors { field message } } }"
)
REJECT_CANCELLATION = (
    "mutation($id: ID!, $message: String) { fulfillmentOrderRejectCancellationRequest(id: $id, message: $message) "
    "{ fulfillmentOrder { id status requestStatus } userErrors { field message } } }"
)
# requestStatus values after which an answer was already given (an earlier delivery got through).
ANSWERED = {
    "fulfillmentOrderAcceptFulfillmentRequest": {"ACCEPTED", "CANCELLATION_REQUESTED", "CANCELLATION_ACCEPTED",
                                                 "CANCELLATION_REJECTED", "CLOSED"},
    "fulfillmentOrderRejectFulfillmentRequest": {"REJECTED", "CLOSED"},
    "fulfillmentOrderAcceptCancellationRequest": {"CANCELLATION_ACCEPTED", "CLOSED"},
    "fulfillmentOrderRejectCancellationRequest": {"CANCELLATION_REJECTED", "ACCEPTED"},
}
FULFILLABLE = {"OPEN", "IN_PROGRESS"}
ORDER_REFUNDS = "query($id: ID!) { order(id: $id) { refunds { id note } } }"
REFUND_CREATE = (
    "mutation($input: RefundInput!) { refundCreate(input: $input) { refund { id } userErrors { field message } } }"
)


def exception_status(payload: Mapping[str, Any]) -> str:
    """The Shopify FulfillmentEventStatus for a delivery exception outbox message."""
    if payload.get("status") != "return_to_sender" and "attempt" in str(payload.get("description") or "").lower():
        return "ATTEMPTED_DELIVERY"
    return "FAILURE"


def _gid(kind: str, value: Any) -> str:
    text_value = str(value)
    return text_value if text_value.startswith("gid://") else f"gid://shopify/{kind}/{text_value}"


class ShopifyClient:
    """base_url is https://<shop>.myshopify.com. `location_id` (a Location gid) is where stock is set;
    empty means the inventory item's first location."""

    def __init__(self, base_url: str, access_token: str, *, location_id: str = "", timeout: float = 10.0):
        self.http = HttpClient(base_url, {"X-Shopify-Access-Token": access_token}, timeout=timeout)
        self.location_id = location_id

    def fetch_order(self, external_id: str) -> dict[str, Any]:
        body, _ = self.http.request("GET", f"{ADMIN}/orders/{urllib.parse.quote(str(external_id), safe='')}.json")
        if not isinstance(body, dict) or not isinstance(body.get("order"), dict):
            raise PeerError(f"Shopify returned no order {external_id}", status=502)
        return body["order"]

    def list_orders_changed_since(self, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Orders updated at or after the cursor (an ISO time), every status, following Link pagination.
        The new cursor is the newest `updated_at` seen; `updated_at_min` is inclusive, so the orders at
        that instant come again next time, which the inbox's dedup absorbs."""
        path = f"{ADMIN}/orders.json"
        params: dict[str, Any] = {"status": "any", "limit": PAGE_SIZE, "order": "updated_at asc", "updated_at_min": cursor}
        orders: list[dict[str, Any]] = []
        while True:
            body, headers = self.http.request("GET", path, params=params)
            orders.extend((body or {}).get("orders") or [])
            page_info = _next_page_info(headers.get("Link"))
            if not page_info:
                break
            params = {"limit": PAGE_SIZE, "page_info": page_info}  # page_info carries the filters
        stamps = [(iso_time(o["updated_at"]), o["updated_at"]) for o in orders if o.get("updated_at")]
        return orders, (max(stamps)[1] if stamps else cursor)

    def set_available(self, sku_or_inventory_item: str, qty: int, *, location_id: str | None = None,
                      attempts: int = 3) -> dict[str, Any]:
        """Set "available" at one location by compare-and-set: read the level, write with compareQuantity
        equal to what was read, and read again if it moved in between."""
        for _ in range(attempts):
            item_id, location, current = self._level(sku_or_inventory_item, location_id or self.location_id)
            result = self._graphql(SET_MUTATION, {"input": {
                "name": "available", "reason": "correction",
                "quantities": [{"inventoryItemId": item_id, "locationId": location, "quantity": qty, "compareQuantity": current}],
            }})
            errors = result["inventorySetQuantities"]["userErrors"]
            if not errors:
                return {"sku_or_inventory_item": sku_or_inventory_item, "inventory_item_id": item_id,
                        "location_id": location, "quantity": qty, "previous": current}
            if not any(error.get("code") == "COMPARE_QUANTITY_STALE" for error in errors):
                raise PeerError(f"Shopify refused the stock of {sku_or_inventory_item}: {errors[0].get('message')}", status=422)
        raise PeerError(f"the stock of {sku_or_inventory_item} kept changing on Shopify; gave up after {attempts} tries",
                        status=409)

    # --- fulfillment service ---------------------------------------------------------------------------
    def assigned_fulfillment_orders(self, status: str) -> list[dict[str, Any]]:
        """Fulfillment orders assigned to our location with an open request of this kind
        (FULFILLMENT_REQUESTED or CANCELLATION_REQUESTED), every page."""
        found: list[dict[str, Any]] = []
        after = None
        for _ in range(100):
            page = self._graphql(ASSIGNED_QUERY, {"status": status, "after": after})["shop"]["assignedFulfillmentOrders"]
            found.extend(page.get("nodes") or [])
            if not (page.get("pageInfo") or {}).get("hasNextPage"):
                break
            after = page["pageInfo"]["endCursor"]
        return found

    def push_fulfillment_accepted(self, external_id: str, payload: Mapping[str, Any]) -> str:
        return self._answer("fulfillmentOrderAcceptFulfillmentRequest", ACCEPT_REQUEST, payload)

    def push_fulfillment_rejected(self, external_id: str, payload: Mapping[str, Any]) -> str:
        return self._answer("fulfillmentOrderRejectFulfillmentRequest", REJECT_REQUEST, payload,
                            reason=payload.get("reason") or "OTHER")

    def push_cancel_accepted(self, external_id: str, payload: Mapping[str, Any]) -> str:
        return self._answer("fulfillmentOrderAcceptCancellationRequest", ACCEPT_CANCELLATION, payload)

    def push_cancel_rejected(self, external_id: str, payload: Mapping[str, Any]) -> str:
        return self._answer("fulfillmentOrderRejectCancellationRequest", REJECT_CANCELLATION, payload)

    def _answer(self, mutation: str, query: str, payload: Mapping[str, Any], **extra: str) -> str:
        """Look, then answer: a fulfillment order already answered means an earlier delivery got through."""
        fo_id = payload["fulfillment_order_id"]
        current = self._graphql(FULFILLMENT_ORDER_QUERY, {"id": fo_id}).get("fulfillmentOrder")
        if not current:
            raise PeerError(f"Shopify has no fulfillment order {fo_id}", status=404)
        if current.get("requestStatus") in ANSWERED[mutation]:
            return f"{fo_id} already answered ({current['requestStatus'].lower()})"
        result = self._graphql(query, {"id": fo_id, "message": (payload.get("message") or "")[:255] or None, **extra})
        answer = result[mutation]
        if answer["userErrors"]:
            raise PeerError(f"Shopify refused {mutation}: {answer['userErrors'][0].get('message')}", status=422)
        return f"{fo_id}: {(answer.get('fulfillmentOrder') or {}).get('requestStatus', 'answered').lower()}"

    # --- sync-back: what the warehouse did, told to the storefront (GraphQL; REST fulfillments are legacy) ---
    def push_allocated(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """Shopify shows customers no "allocated" state, so there is nothing to send."""
        return "nothing to send: Shopify has no allocated status"

    def push_shipped(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """fulfillmentCreate on the order's open fulfillment orders, for the parcel's lines, with tracking.
        A fulfillment that already carries the tracking number means an earlier attempt got through."""
        order = self._order_state(external_id)
        number = payload["tracking_number"]
        if any(info.get("number") == number for f in order["fulfillments"] for info in f.get("trackingInfo") or []):
            return f"already fulfilled with tracking {number}"
        by_fulfillment_order = self._fulfillment_order_lines(order, payload.get("lines") or [])
        packages = [n for n in payload.get("package_tracking_numbers") or [] if n] or [number]
        if len(packages) > 1:  # one tracking number per carton; Shopify builds the URLs from the company
            tracking = {"company": payload.get("carrier") or None, "numbers": packages}
        else:
            tracking = {"company": payload.get("carrier") or None, "number": number, "url": payload.get("tracking_url") or None}
        result = self._graphql(FULFILLMENT_CREATE, {"fulfillment": {
            "notifyCustomer": True,
            "trackingInfo": {k: v for k, v in tracking.items() if v},
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": [{"id": i, "quantity": q} for i, q in items]}
                for fo_id, items in by_fulfillment_order.items()
            ],
        }, "message": f"Shipped by the warehouse via {payload.get('carrier')} {payload.get('service') or ''}".strip()})
        created = result["fulfillmentCreate"]
        if created["userErrors"]:
            raise PeerError(f"Shopify refused the fulfillment: {created['userErrors'][0].get('message')}", status=422)
        return f"fulfillment {created['fulfillment']['id']} with tracking {number}"

    def push_delivered(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """A DELIVERED fulfillment event on each of the order's fulfillments not yet delivered."""
        numbers = {s["tracking_number"] for s in payload.get("shipments") or [] if s.get("tracking_number")}
        told = []
        for fulfillment in self._order_state(external_id)["fulfillments"]:
            tracking = {info.get("number") for info in fulfillment.get("trackingInfo") or []}
            if fulfillment.get("deliveredAt") or (numbers and not tracking & numbers):
                continue
            result = self._graphql(FULFILLMENT_EVENT_CREATE, {"fulfillmentEvent": {
                "fulfillmentId": fulfillment["id"], "status": "DELIVERED",
                **({"happenedAt": payload["delivered_at"]} if payload.get("delivered_at") else {}),
            }})["fulfillmentEventCreate"]
            if result["userErrors"]:
                raise PeerError(f"Shopify refused the delivery event: {result['userErrors'][0].get('message')}", status=422)
            told.append(fulfillment["id"])
        return f"delivered: {', '.join(told)}" if told else "every fulfillment was already delivered"

    def push_exception(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """A fulfillment event on the fulfillment carrying the tracking number: ATTEMPTED_DELIVERY when the
        carrier tried, else FAILURE (a return to sender too: Shopify has no status of its own for it; the
        message says so). Shopify keeps every event it is sent: a delivery that ran twice adds the same event
        twice to the fulfillment's history, which changes nothing the customer acts on."""
        number = payload.get("tracking_number")
        fulfillment = next((f for f in self._order_state(external_id)["fulfillments"]
                            if any(info.get("number") == number for info in f.get("trackingInfo") or [])), None)
        if fulfillment is None:
            raise PeerError(f"Shopify has no fulfillment with tracking {number}", status=404)
        status = exception_status(payload)
        what = "Returned to sender" if payload.get("status") == "return_to_sender" else "Delivery exception"
        result = self._graphql(FULFILLMENT_EVENT_CREATE, {"fulfillmentEvent": {
            "fulfillmentId": fulfillment["id"], "status": status,
            "message": f"{what}: {payload.get('description') or ''}".strip(": ")[:255],
            **({"happenedAt": payload["occurred_at"]} if payload.get("occurred_at") else {}),
        }})["fulfillmentEventCreate"]
        if result["userErrors"]:
            raise PeerError(f"Shopify refused the exception event: {result['userErrors'][0].get('message')}", status=422)
        return f"{status.lower()} event on {fulfillment['id']}"

    def push_cancelled(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """orderCancel without refund or restock: money is the merchant's call, and stock is ours (the
        available quantity we push is the truth), so a Shopify restock would only be overwritten."""
        if self._order_state(external_id)["cancelledAt"]:
            return "already cancelled on Shopify"
        result = self._graphql(ORDER_CANCEL, {
            "orderId": _gid("Order", external_id), "reason": "OTHER", "refund": False, "restock": False,
            "notifyCustomer": True, "staffNote": f"Cancelled by the warehouse: {payload.get('reason') or ''}"[:255],
        })["orderCancel"]
        if result["orderCancelUserErrors"]:
            raise PeerError(f"Shopify refused the cancellation: {result['orderCancelUserErrors'][0].get('message')}",
                            status=422)
        return f"cancel job {(result.get('job') or {}).get('id')}"

    def push_refunded(self, external_id: str, payload: Mapping[str, Any]) -> str:
        """refundCreate for the returned line items, without restock (stock is ours). Store credit goes to
        the customer's store credit account as the refund method. The RMA number in the note makes a
        second delivery find the first refund instead of refunding twice."""
        note = f"Return {payload.get('rma')}: {payload.get('reason') or 'returned'}"[:255]
        order = self._graphql(ORDER_REFUNDS, {"id": _gid("Order", external_id)}).get("order") or {}
        if any((refund.get("note") or "").startswith(f"Return {payload.get('rma')}:") for refund in order.get("refunds") or []):
            return f"already refunded for {payload.get('rma')}"
        refund_input: dict[str, Any] = {
            "orderId": _gid("Order", external_id), "note": note, "notify": True,
            "refundLineItems": [{"lineItemId": _gid("LineItem", line["external_line_id"]), "quantity": line["qty"],
                                 "restockType": "NO_RESTOCK"} for line in payload.get("lines") or []],
        }
        amount = {"amount": payload.get("amount"), "currencyCode": payload.get("currency") or "USD"}
        if payload.get("resolution") == "store_credit":
            refund_input["refundMethods"] = [{"storeCreditRefund": {"amount": amount}}]
        else:
            refund_input["transactions"] = [{"amount": payload.get("amount"), "kind": "REFUND", "gateway": "manual",
                                             "orderId": _gid("Order", external_id)}]
        result = self._graphql(REFUND_CREATE, {"input": refund_input})["refundCreate"]
        if result["userErrors"]:
            raise PeerError(f"Shopify refused the refund: {result['userErrors'][0].get('message')}", status=422)
        return f"refund {(result.get('refund') or {}).get('id')}"

    def _order_state(self, external_id: str) -> dict[str, Any]:
        order = self._graphql(ORDER_STATE_QUERY, {"id": _gid("Order", external_id)}).get("order")
        if not order:
            raise PeerError(f"Shopify has no order {external_id}", status=404)
        return order

    @staticmethod
    def _fulfillment_order_lines(order: Mapping[str, Any], lines: list[Mapping[str, Any]]) -> dict[str, list[tuple[str, int]]]:
        """Spread the parcel's lines over the open fulfillment order line items of the same order line.
        One fulfillmentCreate takes fulfillment orders of one Shopify location only: a parcel whose lines
        Shopify assigned to two locations is refused there, and parked for an operator."""
        open_items = [
            (fo["id"], item) for fo in order["fulfillmentOrders"]["nodes"] if fo.get("status") in FULFILLABLE
            for item in fo["lineItems"]["nodes"] if item.get("remainingQuantity", 0) > 0
        ]
        remaining = {item["id"]: item["remainingQuantity"] for _, item in open_items}
        chosen: dict[str, list[tuple[str, int]]] = {}
        for line in lines:
            wanted = int(line["qty"])
            line_gid = _gid("LineItem", line["external_line_id"]) if line.get("external_line_id") else None
            for fo_id, item in open_items:
                matches = item["lineItem"]["id"] == line_gid if line_gid else item["lineItem"].get("sku") == line["sku"]
                take = min(wanted, remaining[item["id"]]) if matches else 0
                if take:
                    chosen.setdefault(fo_id, []).append((item["id"], take))
                    remaining[item["id"]] -= take
                    wanted -= take
            if wanted:
                raise PeerError(f"Shopify has no open fulfillment order line left for {wanted} x {line['sku']}", status=422)
        if not chosen:
            raise PeerError("the parcel has no lines to fulfill on Shopify", status=422)
        return chosen

    def _level(self, sku_or_item: str, location_id: str) -> tuple[str, str, int | None]:
        if sku_or_item.startswith("gid://shopify/InventoryItem/"):
            item = self._graphql(ITEM_QUERY, {"id": sku_or_item}).get("inventoryItem")
        else:
            quoted = sku_or_item.replace("\\", "\\\\").replace('"', '\\"')
            nodes = self._graphql(VARIANT_QUERY, {"q": f'sku:"{quoted}"'})["productVariants"]["nodes"]
            # The search is loose (prefixes, tokens); only the exact SKU will do.
            item = next((node["inventoryItem"] for node in nodes if node.get("sku") == sku_or_item), None)
        if not item:
            raise PeerError(f"Shopify has no variant or inventory item {sku_or_item}", status=404)
        levels = item["inventoryLevels"]["nodes"]
        level = next((lv for lv in levels if not location_id or lv["location"]["id"] == location_id), None)
        if level is None:
            raise PeerError(f"{sku_or_item} is not stocked at Shopify location {location_id or '(any)'}", status=404)
        current = next((q["quantity"] for q in level["quantities"] if q.get("name", "available") == "available"), None)
        return item["id"], level["location"]["id"], current

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body, _ = self.http.request("POST", f"{ADMIN}/graphql.json", body={"query": query, "variables": variables})
        errors = (body or {}).get("errors") if isinstance(body, dict) else "not a JSON object"
        if errors:
            first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
            code = (first.get("extensions") or {}).get("code")
            raise PeerError(f"Shopify GraphQL error: {first.get('message') or errors}",
                            status={"THROTTLED": 429, "ACCESS_DENIED": 403}.get(code, 400))
        if not isinstance(body.get("data"), dict):
            raise PeerError("Shopify GraphQL answered without data", status=502)
        return body["data"]


def _next_page_info(link: str | None) -> str | None:
    """From `<https://…/orders.json?limit=250&page_info=abc>; rel="next", <…>; rel="previous"`."""
    for part in (link or "").split(","):
        url, _, params = part.partition(";")
        if 'rel="next"' in params:
            query = urllib.parse.urlsplit(url.strip().strip("<>")).query
            return (urllib.parse.parse_qs(query).get("page_info") or [None])[0]
    return None
