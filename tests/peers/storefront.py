"""A real local HTTP server that plays Shopify, WooCommerce or BigCommerce for the calls our clients make.

    with StorefrontPeer("shopify") as peer:
        peer.add_order(order_json)
        peer.stock["SKU-1"] = 3
        client = ShopifyClient(peer.url, peer.token)
        ...
        assert peer.pushes[-1] == ("SKU-1", 7)

Orders live in `orders` (by id), stock in `stock` (by SKU). Every request is recorded in `requests`
(method, path, query, lower-cased headers, json). Stock writes are recorded in `pushes` as (sku, qty).
Set `down = True` (or call `go_down()`) to answer 503, and back to False (`come_up()`) to recover.
Wrong credentials answer 401.

Sync-back: every write the storefront accepted about an order is recorded in `updates`, in arrival order,
as {"order": id, "kind": ..., ...}: Shopify "fulfillment" (fulfillmentCreate), "fulfillment_event"
(fulfillmentEventCreate) and "cancel" (orderCancel); WooCommerce "status" and "note"; BigCommerce
"shipment" and "status". They are checked like the real APIs check them (unknown input fields, quantities
beyond what is left, unknown ids are refused) and kept in `fulfillments`, `notes` and `shipments` by order.
Shopify as a fulfillment service: `assign(order)` puts an order's lines on a fulfillment order assigned to our
location with a fulfillment request submitted, `request_cancellation(fo_id)` asks to cancel it; the answers
(accept/reject fulfillment and cancellation requests) are checked against the request status and recorded in
`updates` as "fulfillment_request", their state in `assigned`. Stock per location: `locations` (the first is
`stock`'s), `location_stock` and `location_pushes`.
Listing filters behave like the real APIs: Shopify `updated_at_min` and BigCommerce `min_date_modified`
are inclusive, WooCommerce `modified_after` is exclusive; pages hold `page_size` orders at most.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Reply = tuple[int, Any, dict[str, str]]
BIGCOMMERCE_PREFIX = "/stores/abc123"
UNAUTHORIZED = {
    "shopify": {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
    "woocommerce": {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401}},
    "bigcommerce": {"status": 401, "title": "Unauthorized", "type": "https://developer.bigcommerce.com/api-docs"},
}


class StorefrontPeer:
    def __init__(self, kind: str, *, token: str = "peer-token", key: str = "ck_peer", secret: str = "cs_peer",
                 page_size: int = 2):
        if kind not in UNAUTHORIZED:
            raise ValueError(f"unknown storefront kind {kind!r}")
        self.kind, self.token, self.key, self.secret, self.page_size = kind, token, key, secret, page_size
        self.orders: dict[str, dict[str, Any]] = {}
        self.stock: dict[str, int] = {}
        self.pushes: list[tuple[str, int]] = []
        self.requests: list[dict[str, Any]] = []
        self.down = False
        self.updates: list[dict[str, Any]] = []
        self.fulfillments: dict[str, list[dict[str, Any]]] = {}  # Shopify
        self.notes: dict[str, list[dict[str, Any]]] = {}  # WooCommerce
        self.refunds: dict[str, list[dict[str, Any]]] = {}  # WooCommerce and Shopify
        self.shipments: dict[str, list[dict[str, Any]]] = {}  # BigCommerce
        self.stale_compares = 0  # Shopify: answer the next N stock writes with COMPARE_QUANTITY_STALE
        self.assigned: dict[str, dict[str, Any]] = {}  # Shopify fulfillment orders assigned to our location, by id
        # Shopify locations: the first one's levels are `stock` (by SKU), the others' `location_stock` (by SKU and
        # location); every accepted stock write is in `location_pushes` as (sku, location, qty).
        self.locations: list[str] = ["gid://shopify/Location/1"]
        self.location_stock: dict[tuple[str, str], int] = {}
        self.location_pushes: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()
        self._product_ids: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"{kind}-peer", daemon=True)

    # --- lifecycle and set-up ---------------------------------------------------------------------
    def start(self) -> StorefrontPeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StorefrontPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}" + (BIGCOMMERCE_PREFIX if self.kind == "bigcommerce" else "")

    @property
    def credentials(self) -> dict[str, str]:
        if self.kind == "woocommerce":
            return {"consumer_key": self.key, "consumer_secret": self.secret}
        return {"access_token": self.token}

    def add_order(self, order: dict[str, Any]) -> None:
        with self.lock:
            self.orders[str(order["id"])] = order

    def requests_to(self, fragment: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if fragment in r["path"]]

    def go_down(self) -> None:
        self.down = True

    def come_up(self) -> None:
        self.down = False

    def assign(self, order: dict[str, Any]) -> str:
        """Shopify: the order's shippable lines assigned to the fulfillment service's location, with a fulfillment
        request submitted (as when the merchant requests fulfillment). Returns the fulfillment order id."""
        self.add_order(order)
        fo_id = f"gid://shopify/FulfillmentOrder/{order['id']}"
        with self.lock:
            self.assigned[fo_id] = {"id": fo_id, "order_id": str(order["id"]), "status": "OPEN", "requestStatus": "SUBMITTED"}
        return fo_id

    def _shopify_level(self, sku: str, location: str) -> int | None:
        if location == self.locations[0]:
            return self.stock.get(sku)
        return self.location_stock.get((sku, location), 0 if sku in self.stock else None)

    def request_cancellation(self, fo_id: str) -> None:
        """Shopify: the merchant asks us to cancel an accepted fulfillment order."""
        with self.lock:
            if self.assigned[fo_id]["requestStatus"] != "ACCEPTED":
                raise ValueError("only an accepted fulfillment order can be asked to cancel")
            self.assigned[fo_id]["requestStatus"] = "CANCELLATION_REQUESTED"

    def updates_for(self, order_id: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [u for u in self.updates if u["order"] == str(order_id)]

    def _update(self, order_id: Any, kind: str, **details: Any) -> None:
        self.updates.append({"order": str(order_id), "kind": kind, **details})

    # --- dispatch -----------------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        with self.lock:
            self.requests.append({"method": method, "path": parsed.path, "query": query, "json": body,
                                  "headers": {k.lower(): v for k, v in handler.headers.items()}})
        if self.down:
            return _send(handler, 503, {"errors": "Service Unavailable"}, {"Retry-After": "5"})
        if not self._authorized(handler.headers):
            return _send(handler, 401, UNAUTHORIZED[self.kind])
        with self.lock:
            status, payload, headers = getattr(self, f"_{self.kind}")(method, parsed.path, query, body)
        _send(handler, status, payload, headers)

    def _authorized(self, headers: Any) -> bool:
        if self.kind == "shopify":
            return headers.get("X-Shopify-Access-Token") == self.token
        if self.kind == "bigcommerce":
            return headers.get("X-Auth-Token") == self.token
        return headers.get("Authorization") == "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()

    def _page(self, items: list[Any], page: int, size: int) -> tuple[list[Any], int]:
        size = max(1, min(size, self.page_size))
        return items[(page - 1) * size: page * size], max(1, -(-len(items) // size))

    # --- Shopify: REST orders, GraphQL stock ----------------------------------------------------------
    def _shopify(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        if method == "GET" and path.endswith("/orders.json"):
            if "page_info" in query:  # the token carries the filter; other params are not allowed with it
                state = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            else:
                state = {"since": query.get("updated_at_min"), "offset": 0}
            since = _iso(state["since"]) if state["since"] else None
            items = sorted((o for o in self.orders.values() if since is None or _iso(o["updated_at"]) >= since),
                           key=lambda o: _iso(o["updated_at"]))
            size = min(int(query.get("limit", 50)), self.page_size)
            offset = state["offset"]
            links = []
            if offset + size < len(items):
                token = base64.urlsafe_b64encode(json.dumps({"since": state["since"], "offset": offset + size}).encode())
                links.append(f'<{self.url}{path}?limit={size}&page_info={token.decode()}>; rel="next"')
            if offset:
                token = base64.urlsafe_b64encode(json.dumps({"since": state["since"], "offset": max(0, offset - size)}).encode())
                links.append(f'<{self.url}{path}?limit={size}&page_info={token.decode()}>; rel="previous"')
            return 200, {"orders": items[offset: offset + size]}, ({"Link": ", ".join(links)} if links else {})
        if method == "GET" and "/orders/" in path and path.endswith(".json"):
            order = self.orders.get(path.rsplit("/", 1)[1].removesuffix(".json"))
            return (200, {"order": order}, {}) if order else (404, {"errors": "Not Found"}, {})
        if method == "POST" and path.endswith("/graphql.json"):
            return 200, self._shopify_graphql(body["query"], body.get("variables") or {}), {}
        return 404, {"errors": "Not Found"}, {}

    def _shopify_graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "assignedFulfillmentOrders(" in query or "fulfillmentOrder(id:" in query or "fulfillmentOrderAccept" in query \
                or "fulfillmentOrderReject" in query:
            return self._shopify_fulfillment_service(query, variables)
        if "fulfillmentCreate(" in query:
            return self._shopify_fulfillment_create(query, variables)
        if "fulfillmentEventCreate(" in query:
            return self._shopify_fulfillment_event(variables["fulfillmentEvent"])
        if "orderCancel(" in query:
            return self._shopify_order_cancel(query, variables)
        if "refundCreate(" in query:
            return self._shopify_refund_create(query, variables)
        if "order(id:" in query:
            order = self.orders.get(str(variables["id"]).rsplit("/", 1)[1])
            return {"data": {"order": self._shopify_order_state(order) if order else None}}
        return self._shopify_stock_graphql(query, variables)

    def _shopify_stock_graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        def item(sku: str) -> dict[str, Any]:
            levels = [{"location": {"id": location},
                       "quantities": [{"name": "available", "quantity": self._shopify_level(sku, location)}]}
                      for location in self.locations]
            return {"id": f"gid://shopify/InventoryItem/{sku}", "inventoryLevels": {"nodes": levels}}

        if "productVariants" in query:
            sku = variables["q"].removeprefix("sku:").strip('"')
            nodes = [{"sku": sku, "inventoryItem": item(sku)}] if sku in self.stock else []
            return {"data": {"productVariants": {"nodes": nodes}}}
        if "inventorySetQuantities" in query:
            change = variables["input"]["quantities"][0]
            sku = change["inventoryItemId"].rsplit("/", 1)[1]
            location = change.get("locationId")
            if location not in self.locations:
                errors = [{"field": ["input", "quantities", "0", "locationId"], "code": "INVALID_LOCATION",
                           "message": "The specified location could not be found."}]
                return {"data": {"inventorySetQuantities": {"userErrors": errors}}}
            if self.stale_compares or change.get("compareQuantity") != self._shopify_level(sku, location):
                self.stale_compares = max(0, self.stale_compares - 1)
                errors = [{"field": ["input", "quantities", "0", "compareQuantity"], "code": "COMPARE_QUANTITY_STALE",
                           "message": "The compareQuantity argument no longer matches the persisted quantity."}]
                return {"data": {"inventorySetQuantities": {"userErrors": errors}}}
            if location == self.locations[0]:
                self.stock[sku] = change["quantity"]
                self.pushes.append((sku, change["quantity"]))
            else:
                self.location_stock[(sku, location)] = change["quantity"]
            self.location_pushes.append((sku, location, change["quantity"]))
            return {"data": {"inventorySetQuantities": {"userErrors": []}}}
        if "inventoryItem(" in query:
            sku = variables["id"].rsplit("/", 1)[1]
            return {"data": {"inventoryItem": item(sku) if sku in self.stock else None}}
        return {"errors": [{"message": "unsupported query", "extensions": {"code": "BAD_REQUEST"}}]}

    # --- Shopify fulfillment service: assigned fulfillment orders and the answers to their requests ----------
    ASSIGNMENT = {"FULFILLMENT_REQUESTED": "SUBMITTED", "FULFILLMENT_ACCEPTED": "ACCEPTED",
                  "CANCELLATION_REQUESTED": "CANCELLATION_REQUESTED"}
    REJECTION_REASONS = {"INCORRECT_ADDRESS", "INELIGIBLE_PRODUCT", "INVENTORY_OUT_OF_STOCK", "OTHER",
                         "UNDELIVERABLE_DESTINATION"}
    # mutation: (requestStatus it needs, requestStatus after, status after)
    ANSWERS = {
        "fulfillmentOrderAcceptFulfillmentRequest": ("SUBMITTED", "ACCEPTED", "IN_PROGRESS"),
        "fulfillmentOrderRejectFulfillmentRequest": ("SUBMITTED", "REJECTED", "CLOSED"),
        "fulfillmentOrderAcceptCancellationRequest": ("CANCELLATION_REQUESTED", "CANCELLATION_ACCEPTED", "CANCELLED"),
        "fulfillmentOrderRejectCancellationRequest": ("CANCELLATION_REQUESTED", "CANCELLATION_REJECTED", "IN_PROGRESS"),
    }

    def _shopify_assigned_node(self, fo: dict[str, Any]) -> dict[str, Any]:
        order = self.orders[fo["order_id"]]
        done = self._shopify_fulfilled(fo["order_id"])
        items = [{"id": f"gid://shopify/FulfillmentOrderLineItem/{item['id']}", "sku": item.get("sku"),
                  "remainingQuantity": item["quantity"] - done.get(str(item["id"]), 0),
                  "lineItem": {"id": f"gid://shopify/LineItem/{item['id']}"}}
                 for item in order["line_items"] if item.get("requires_shipping", True)]
        return {"id": fo["id"], "status": fo["status"], "requestStatus": fo["requestStatus"],
                "order": {"id": f"gid://shopify/Order/{order['id']}", "legacyResourceId": str(order["id"])},
                "lineItems": {"nodes": items}}

    def _shopify_fulfillment_service(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "assignedFulfillmentOrders(" in query:
            wanted = self.ASSIGNMENT.get(variables.get("status") or "")
            if wanted is None or "$status: FulfillmentOrderAssignmentStatus" not in query:
                return {"errors": [{"message": "assignmentStatus is not a FulfillmentOrderAssignmentStatus",
                                    "extensions": {"code": "INVALID_VARIABLE"}}]}
            found = [self._shopify_assigned_node(fo) for fo in self.assigned.values() if fo["requestStatus"] == wanted]
            offset = int(variables.get("after") or 0)
            page = found[offset: offset + self.page_size]
            more = offset + self.page_size < len(found)
            return {"data": {"shop": {"assignedFulfillmentOrders": {
                "nodes": page, "pageInfo": {"hasNextPage": more, "endCursor": str(offset + self.page_size) if more else None}}}}}
        fo = self.assigned.get(str(variables.get("id")))
        if "fulfillmentOrder(id:" in query:
            found_fo = {k: fo[k] for k in ("id", "status", "requestStatus")} if fo else None
            return {"data": {"fulfillmentOrder": found_fo}}
        mutation = next(name for name in self.ANSWERS if f"{name}(" in query)
        needs, request_status, status = self.ANSWERS[mutation]

        def refuse(message: str) -> dict[str, Any]:
            return {"data": {mutation: {"fulfillmentOrder": None, "userErrors": [{"field": ["id"], "message": message}]}}}

        if fo is None:
            return refuse("Fulfillment order does not exist.")
        if fo["requestStatus"] != needs:
            return refuse(f"Fulfillment order request status is {fo['requestStatus'].lower()}, not {needs.lower()}.")
        if mutation == "fulfillmentOrderRejectFulfillmentRequest" and variables.get("reason") not in self.REJECTION_REASONS:
            return {"errors": [{"message": "reason is not a FulfillmentOrderRejectionReason",
                                "extensions": {"code": "INVALID_VARIABLE"}}]}
        fo["requestStatus"], fo["status"] = request_status, status
        self._update(fo["order_id"], "fulfillment_request", fulfillment_order=fo["id"], answer=mutation,
                     request_status=request_status, message=variables.get("message"), reason=variables.get("reason"))
        return {"data": {mutation: {"fulfillmentOrder": {k: fo[k] for k in ("id", "status", "requestStatus")},
                                    "userErrors": []}}}

    # --- Shopify sync-back: one fulfillment order per order, fulfilled by fulfillmentCreate ------------------
    def _shopify_fulfilled(self, order_id: str) -> dict[str, int]:
        done: dict[str, int] = {}
        for fulfillment in self.fulfillments.get(order_id, []):
            for line_id, qty in fulfillment["lines"].items():
                done[line_id] = done.get(line_id, 0) + qty
        return done

    def _shopify_fulfillment_order(self, order: dict[str, Any]) -> dict[str, Any]:
        done = self._shopify_fulfilled(str(order["id"]))
        items = [{"id": f"gid://shopify/FulfillmentOrderLineItem/{item['id']}",
                  "remainingQuantity": item["quantity"] - done.get(str(item["id"]), 0),
                  "lineItem": {"id": f"gid://shopify/LineItem/{item['id']}", "sku": item.get("sku")}}
                 for item in order["line_items"] if item.get("requires_shipping", True)]
        if order.get("cancelled_at"):
            status = "CANCELLED"
        elif all(item["remainingQuantity"] == 0 for item in items):
            status = "CLOSED"
        else:
            status = "IN_PROGRESS" if done else "OPEN"
        return {"id": f"gid://shopify/FulfillmentOrder/{order['id']}", "status": status, "lineItems": {"nodes": items}}

    def _shopify_order_state(self, order: dict[str, Any]) -> dict[str, Any]:
        fulfillments = [{k: f[k] for k in ("id", "displayStatus", "deliveredAt", "trackingInfo")}
                        for f in self.fulfillments.get(str(order["id"]), [])]
        refunds = [{"id": r["id"], "note": r["note"]} for r in self.refunds.get(str(order["id"]), [])]
        return {"id": f"gid://shopify/Order/{order['id']}", "cancelledAt": order.get("cancelled_at"),
                "fulfillments": fulfillments, "fulfillmentOrders": {"nodes": [self._shopify_fulfillment_order(order)]},
                "refunds": refunds}

    def _shopify_fulfillment_create(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        given = variables.get("fulfillment") or {}
        unknown = set(given) - {"lineItemsByFulfillmentOrder", "notifyCustomer", "originAddress", "trackingInfo"}
        unknown |= set(given.get("trackingInfo") or {}) - {"company", "number", "numbers", "url", "urls"}
        if "$fulfillment: FulfillmentInput!" not in query or unknown or "lineItemsByFulfillmentOrder" not in given:
            return {"errors": [{"message": f"Variable $fulfillment of type FulfillmentInput! was provided invalid value "
                                           f"({sorted(unknown) or 'lineItemsByFulfillmentOrder missing'})",
                                "extensions": {"code": "INVALID_VARIABLE"}}]}

        def refuse(message: str) -> dict[str, Any]:
            return {"data": {"fulfillmentCreate": {"fulfillment": None, "userErrors": [{"field": ["fulfillment"], "message": message}]}}}

        lines: dict[str, int] = {}
        order_id = None
        for group in given["lineItemsByFulfillmentOrder"]:
            fo_order_id = str(group["fulfillmentOrderId"]).rsplit("/", 1)[1]
            order = self.orders.get(fo_order_id)
            if order is None or (order_id and fo_order_id != order_id):
                return refuse("Fulfillment order does not exist.")
            order_id = fo_order_id
            fulfillment_order = self._shopify_fulfillment_order(order)
            if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
                return refuse(f"Fulfillment order is {fulfillment_order['status'].lower()}.")
            remaining = {i["id"]: i["remainingQuantity"] for i in fulfillment_order["lineItems"]["nodes"]}
            for item in group.get("fulfillmentOrderLineItems") or []:
                if item["id"] not in remaining or not 0 < item["quantity"] <= remaining[item["id"]]:
                    return refuse(f"Invalid fulfillment order line item quantity requested for {item['id']}.")
                line_id = item["id"].rsplit("/", 1)[1]
                lines[line_id] = lines.get(line_id, 0) + item["quantity"]
        if not lines:
            return refuse("Line items are required.")
        tracking = given.get("trackingInfo") or {}
        if ("number" in tracking and "numbers" in tracking) or ("url" in tracking and "urls" in tracking):
            return refuse("Provide either number or numbers (url or urls), not both.")
        if ("url" in tracking and "number" not in tracking) or ("urls" in tracking and "numbers" not in tracking):
            return refuse("A tracking url needs its tracking number.")
        numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
        fulfillment = {"id": f"gid://shopify/Fulfillment/{len(self.updates) + 1}", "status": "SUCCESS",
                       "displayStatus": "FULFILLED", "deliveredAt": None, "lines": lines, "events": [],
                       "notifyCustomer": given.get("notifyCustomer", False), "message": variables.get("message"),
                       "trackingInfo": [{"company": tracking.get("company"), "number": number,
                                         "url": tracking.get("url") if number == tracking.get("number") else None}
                                        for number in numbers]}
        self.fulfillments.setdefault(order_id, []).append(fulfillment)
        self._update(order_id, "fulfillment", tracking=tracking, lines=lines, notify=fulfillment["notifyCustomer"])
        return {"data": {"fulfillmentCreate": {"fulfillment": {"id": fulfillment["id"], "status": "SUCCESS"}, "userErrors": []}}}

    def _shopify_fulfillment_event(self, event: dict[str, Any]) -> dict[str, Any]:
        statuses = {"ATTEMPTED_DELIVERY", "CARRIER_PICKED_UP", "CONFIRMED", "DELAYED", "DELIVERED", "FAILURE",
                    "IN_TRANSIT", "LABEL_PRINTED", "LABEL_PURCHASED", "OUT_FOR_DELIVERY", "READY_FOR_PICKUP"}
        found = next(((order_id, f) for order_id, fs in self.fulfillments.items() for f in fs
                      if f["id"] == event.get("fulfillmentId")), None)
        if found is None or event.get("status") not in statuses:
            errors = [{"field": ["fulfillmentEvent"], "message": "Fulfillment does not exist or the status is invalid."}]
            return {"data": {"fulfillmentEventCreate": {"fulfillmentEvent": None, "userErrors": errors}}}
        order_id, fulfillment = found
        fulfillment["events"].append(event["status"])
        if event["status"] == "DELIVERED":
            fulfillment["deliveredAt"] = event.get("happenedAt") or datetime.now(UTC).isoformat()
            fulfillment["displayStatus"] = "DELIVERED"
        self._update(order_id, "fulfillment_event", fulfillment=fulfillment["id"], status=event["status"])
        created = {"id": f"gid://shopify/FulfillmentEvent/{len(self.updates)}", "status": event["status"]}
        return {"data": {"fulfillmentEventCreate": {"fulfillmentEvent": created, "userErrors": []}}}

    def _shopify_order_cancel(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        reasons = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}
        if ("$reason: OrderCancelReason!" not in query or variables.get("reason") not in reasons
                or not isinstance(variables.get("refund"), bool) or not isinstance(variables.get("restock"), bool)):
            return {"errors": [{"message": "orderCancel needs orderId, reason (OrderCancelReason), refund and restock",
                                "extensions": {"code": "INVALID_VARIABLE"}}]}
        order_id = str(variables["orderId"]).rsplit("/", 1)[1]
        order = self.orders.get(order_id)
        if order is None or order.get("cancelled_at"):
            errors = [{"field": ["orderId"], "message": "Order cannot be cancelled.", "code": "INVALID"}]
            return {"data": {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}}
        order["cancelled_at"] = datetime.now(UTC).isoformat()
        self._update(order_id, "cancel", reason=variables["reason"], refund=variables["refund"],
                     restock=variables["restock"], staff_note=variables.get("staffNote"))
        return {"data": {"orderCancel": {"job": {"id": f"gid://shopify/Job/{len(self.updates)}"}, "orderCancelUserErrors": []}}}

    def _shopify_refund_create(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """refundCreate(input: RefundInput!) as the Admin GraphQL API checks it: known input fields only,
        line items of this order and no more than is left to refund, transactions with amount, gateway,
        kind and orderId, store credit (RefundMethodInput.storeCreditRefund) only for an order with a customer."""
        refund_input = variables.get("input")
        invalid = {"errors": [{"message": "Variable $input of type RefundInput! was provided invalid value",
                               "extensions": {"code": "INVALID_VARIABLE"}}]}
        if "$input: RefundInput!" not in query or not isinstance(refund_input, dict) or not refund_input.get("orderId"):
            return invalid
        known = {"orderId", "note", "notify", "refundLineItems", "transactions", "refundMethods", "shipping", "currency",
                 "refundDuties", "allowOverRefunding"}
        line_fields, transaction_fields = {"lineItemId", "quantity", "restockType", "locationId"}, {
            "amount", "gateway", "kind", "orderId", "parentId"}
        lines, transactions = refund_input.get("refundLineItems") or [], refund_input.get("transactions") or []
        methods = refund_input.get("refundMethods") or []
        if (set(refund_input) - known or any(not isinstance(x, dict) or set(x) - line_fields or "lineItemId" not in x
                                             or not isinstance(x.get("quantity"), int) for x in lines)
                or any(x.get("restockType", "NO_RESTOCK") not in {"NO_RESTOCK", "CANCEL", "RETURN"} for x in lines)
                or any(not isinstance(x, dict) or set(x) - transaction_fields
                       or not all(x.get(f) for f in ("amount", "gateway", "kind", "orderId")) for x in transactions)
                or any(not isinstance(x, dict) or set(x) != {"storeCreditRefund"}
                       or set((x["storeCreditRefund"] or {}).get("amount") or {}) != {"amount", "currencyCode"} for x in methods)):
            return invalid
        order_id = str(refund_input["orderId"]).rsplit("/", 1)[1]
        order = self.orders.get(order_id)

        def refused(field: list[str], message: str) -> dict[str, Any]:
            return {"data": {"refundCreate": {"refund": None, "userErrors": [{"field": field, "message": message}]}}}

        if order is None:
            return refused(["orderId"], "Order does not exist")
        refunded: dict[str, int] = {}
        for earlier in self.refunds.get(order_id, []):
            for line in earlier["line_items"]:
                refunded[line["line_item_id"]] = refunded.get(line["line_item_id"], 0) + line["quantity"]
        quantities = {str(item["id"]): item["quantity"] for item in order.get("line_items", [])}
        for n, line in enumerate(lines):
            item_id = str(line["lineItemId"]).rsplit("/", 1)[1]
            if item_id not in quantities:
                return refused(["refundLineItems", str(n), "lineItemId"], "Line item does not exist")
            if not 0 < line["quantity"] <= quantities[item_id] - refunded.get(item_id, 0):
                return refused(["refundLineItems", str(n), "quantity"], "Quantity cannot refund more items than were purchased")
        if any(t["kind"] != "REFUND" or t["orderId"] != refund_input["orderId"] for t in transactions):
            return refused(["transactions"], "Transaction kind must be REFUND on this order")
        if methods and not order.get("customer"):
            return refused(["refundMethods"], "Store credit can only be issued to an order with a customer")
        refund = {
            "id": f"gid://shopify/Refund/{800 + sum(len(r) for r in self.refunds.values())}",
            "note": refund_input.get("note") or "", "notify": bool(refund_input.get("notify")),
            "line_items": [{"line_item_id": str(x["lineItemId"]).rsplit("/", 1)[1], "quantity": x["quantity"],
                            "restock_type": x.get("restockType", "NO_RESTOCK")} for x in lines],
            "transactions": [{"amount": str(t["amount"]), "kind": t["kind"], "gateway": t["gateway"]} for t in transactions],
            "store_credit": [dict(m["storeCreditRefund"]["amount"]) for m in methods],
        }
        self.refunds.setdefault(order_id, []).append(refund)
        self._update(order_id, "refund", **{k: v for k, v in refund.items() if k != "id"})
        return {"data": {"refundCreate": {"refund": {"id": refund["id"]}, "userErrors": []}}}

    # --- WooCommerce: REST v3 -------------------------------------------------------------------------
    def _woocommerce(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        api = "/wp-json/wc/v3"
        parts = path.removeprefix(api).strip("/").split("/")
        if parts[0] == "orders" and parts[2:] == ["refunds"]:
            return self._woocommerce_refunds(method, parts[1], body)
        if parts[0] == "orders" and (parts[2:] == ["notes"] or (method == "PUT" and len(parts) == 2)):
            return self._woocommerce_sync_back(method, parts, body)
        if method == "GET" and path == f"{api}/orders":
            since = _iso(query["modified_after"], naive_is_utc=True) if query.get("modified_after") else None
            items = sorted((o for o in self.orders.values()
                            if since is None or _iso(o["date_modified_gmt"], naive_is_utc=True) > since),
                           key=lambda o: (_iso(o["date_modified_gmt"], naive_is_utc=True), o["id"]))
            chunk, pages = self._page(items, int(query.get("page", 1)), int(query.get("per_page", 10)))
            return 200, chunk, {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
        if method == "GET" and path.startswith(f"{api}/orders/"):
            order = self.orders.get(path.rsplit("/", 1)[1])
            if order is None:
                return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.",
                             "data": {"status": 404}}, {}
            return 200, order, {}
        if method == "GET" and path == f"{api}/products":
            sku = query.get("sku", "")
            return 200, ([self._woo_product(sku)] if sku in self.stock else []), {}
        if method == "PUT" and path.startswith(f"{api}/products/"):
            product_id = int(path.rsplit("/", 1)[1])
            sku = next((s for s, pid in self._product_ids.items() if pid == product_id), None)
            if sku is None:
                return 404, {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                             "data": {"status": 404}}, {}
            self.stock[sku] = body["stock_quantity"]
            self.pushes.append((sku, body["stock_quantity"]))
            return 200, self._woo_product(sku), {}
        return 404, {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
                     "data": {"status": 404}}, {}

    def _woocommerce_sync_back(self, method: str, parts: list[str], body: Any) -> Reply:
        statuses = {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash"}
        order = self.orders.get(parts[1])
        if order is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}}, {}
        order_id = str(order["id"])
        if method == "PUT" and len(parts) == 2:
            if set(body or {}) - set(order) or body.get("status", order["status"]) not in statuses:
                return 400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): status", "data": {"status": 400}}, {}
            if "status" in body and body["status"] != order["status"]:
                self._update(order_id, "status", status=body["status"], was=order["status"])
            order.update(body)
            return 200, order, {}
        if method == "GET" and len(parts) == 3:
            return 200, list(reversed(self.notes.get(order_id, []))), {}
        if method == "POST" and len(parts) == 3:
            if not isinstance(body, dict) or not body.get("note"):
                return 400, {"code": "rest_missing_callback_param", "message": "Missing parameter(s): note",
                             "data": {"status": 400}}, {}
            note = {"id": 280 + sum(len(n) for n in self.notes.values()), "author": "WooCommerce",
                    "date_created_gmt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "note": body["note"],
                    "customer_note": bool(body.get("customer_note", False))}
            self.notes.setdefault(order_id, []).append(note)
            self._update(order_id, "note", note=note["note"], customer_note=note["customer_note"])
            return 201, note, {}
        return 404, {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
                     "data": {"status": 404}}, {}

    def _woocommerce_refunds(self, method: str, order_key: str, body: Any) -> Reply:
        order = self.orders.get(order_key)
        if order is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}}, {}
        refunds = self.refunds.setdefault(str(order["id"]), [])
        if method == "GET":
            return 200, list(reversed(refunds)), {}
        line_ids = {str(item["id"]) for item in order.get("line_items", [])}
        if not isinstance(body, dict) or not body.get("amount") or any(
                str(item.get("id")) not in line_ids for item in body.get("line_items") or []):
            return 400, {"code": "woocommerce_rest_invalid_refund", "message": "Invalid refund.", "data": {"status": 400}}, {}
        refund = {"id": 700 + len(refunds), "amount": body["amount"], "reason": body.get("reason", ""),
                  "line_items": body.get("line_items") or []}
        refunds.append(refund)
        self._update(str(order["id"]), "refund", amount=refund["amount"], reason=refund["reason"],
                     line_items=refund["line_items"])
        return 201, refund, {}

    def _woo_product(self, sku: str) -> dict[str, Any]:
        product_id = self._product_ids.setdefault(sku, 100 + len(self._product_ids))
        return {"id": product_id, "sku": sku, "type": "simple", "manage_stock": True, "stock_quantity": self.stock[sku]}

    # --- BigCommerce: v2 orders, v3 inventory ---------------------------------------------------------
    def _bigcommerce(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        parts = path.removeprefix(BIGCOMMERCE_PREFIX).strip("/").split("/")
        page, limit = int(query.get("page", 1)), min(int(query.get("limit", 50)), 250)
        if method == "GET" and parts[:2] == ["v2", "orders"]:
            if len(parts) == 2:
                since = _any_time(query["min_date_modified"]) if query.get("min_date_modified") else None
                items = sorted((o for o in self.orders.values()
                                if since is None or parsedate_to_datetime(o["date_modified"]) >= since),
                               key=lambda o: (parsedate_to_datetime(o["date_modified"]), o["id"]))
                return _list(items[(page - 1) * limit: page * limit], self._bare)
            order = self.orders.get(parts[2])
            if order is None:
                return 404, [{"status": 404, "message": "The requested resource was not found."}], {}
            if len(parts) == 3:
                return 200, self._bare(order), {}
            if parts[3] in ("products", "shipping_addresses"):
                return _list(order[parts[3]][(page - 1) * limit: page * limit])
            if parts[3] == "shipments":
                return _list(self.shipments.get(parts[2], [])[(page - 1) * limit: page * limit])
        if method == "POST" and parts[:2] == ["v2", "orders"] and parts[3:] == ["shipments"]:
            return self._bigcommerce_shipment(parts[2], body or {})
        if method == "PUT" and parts[:2] == ["v2", "orders"] and len(parts) == 3:
            return self._bigcommerce_status(parts[2], body or {})
        if method == "PUT" and parts == ["v3", "inventory", "adjustments", "absolute"]:
            unknown = [item["sku"] for item in body["items"] if item.get("sku") not in self.stock]
            if unknown:
                return 422, {"status": 422, "title": f"Unknown SKU(s): {', '.join(unknown)}", "errors": {}}, {}
            for item in body["items"]:
                self.stock[item["sku"]] = item["quantity"]
                self.pushes.append((item["sku"], item["quantity"]))
            return 200, {"transaction_id": f"txn-{len(self.pushes)}"}, {}
        return 404, {"status": 404, "title": "Not Found"}, {}

    def _bigcommerce_shipment(self, order_id: str, body: dict[str, Any]) -> Reply:
        providers = {"", "auspost", "canadapost", "endicia", "usps", "fedex", "ups", "upsready", "upsonline", "shipperhq"}
        order = self.orders.get(order_id)
        if order is None:
            return 404, [{"status": 404, "message": "The requested resource was not found."}], {}
        shipped: dict[int, int] = {}
        for shipment in self.shipments.get(order_id, []):
            for item in shipment["items"]:
                shipped[item["order_product_id"]] = shipped.get(item["order_product_id"], 0) + item["quantity"]
        ordered = {p["id"]: p["quantity"] for p in order["products"]}
        problems = []
        if body.get("order_address_id") not in {a["id"] for a in order["shipping_addresses"]}:
            problems.append("order_address_id is not an address of this order")
        if body.get("shipping_provider", "custom") not in providers:
            problems.append("shipping_provider is not a valid provider")
        if not body.get("items"):
            problems.append("items are required")
        for item in body.get("items") or []:
            pid, qty = item.get("order_product_id"), item.get("quantity", 0)
            if pid not in ordered or not 0 < qty <= ordered[pid] - shipped.get(pid, 0):
                problems.append(f"order_product_id {pid}: cannot ship {qty}")
        if problems:
            return 400, [{"status": 400, "message": "; ".join(problems)}], {}
        shipment = {"id": 1 + sum(len(s) for s in self.shipments.values()), "order_id": int(order_id),
                    "order_address_id": body["order_address_id"], "tracking_number": body.get("tracking_number", ""),
                    "shipping_provider": body.get("shipping_provider", "custom"),
                    "tracking_carrier": body.get("tracking_carrier", ""), "shipping_method": body.get("shipping_method", ""),
                    "comments": body.get("comments", ""), "items": body["items"],
                    "date_created": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")}
        self.shipments.setdefault(order_id, []).append(shipment)
        self._update(order_id, "shipment", tracking_number=shipment["tracking_number"], items=shipment["items"],
                     shipping_provider=shipment["shipping_provider"], tracking_carrier=shipment["tracking_carrier"])
        for item in body["items"]:
            shipped[item["order_product_id"]] = shipped.get(item["order_product_id"], 0) + item["quantity"]
        # Like BigCommerce, a shipment moves the order to Shipped or Partially Shipped by itself.
        everything = all(shipped.get(pid, 0) >= qty for pid, qty in ordered.items())
        order["status_id"], order["status"] = (2, "Shipped") if everything else (3, "Partially Shipped")
        return 201, shipment, {}

    def _bigcommerce_status(self, order_id: str, body: dict[str, Any]) -> Reply:
        names = {0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded", 5: "Cancelled",
                 6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment", 10: "Completed",
                 11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded"}
        order = self.orders.get(order_id)
        if order is None:
            return 404, [{"status": 404, "message": "The requested resource was not found."}], {}
        if not body or set(body) - {"status_id", "staff_notes"} or body.get("status_id", order["status_id"]) not in names:
            return 400, [{"status": 400, "message": "status_id is not a valid order status"}], {}
        if "staff_notes" in body:
            order["staff_notes"] = body["staff_notes"]
            self._update(order_id, "staff_notes", staff_notes=body["staff_notes"])
        if "status_id" not in body:
            return 200, self._bare(order), {}
        if body["status_id"] != order["status_id"]:
            self._update(order_id, "status", status_id=body["status_id"], was=order["status_id"])
        order["status_id"], order["status"] = body["status_id"], names[body["status_id"]]
        return 200, self._bare(order), {}

    def _bare(self, order: dict[str, Any]) -> dict[str, Any]:
        """The v2 order body links to its products and shipping addresses instead of embedding them."""
        links = {name: {"url": f"{self.url}/v2/orders/{order['id']}/{name}", "resource": f"/orders/{order['id']}/{name}"}
                 for name in ("products", "shipping_addresses")}
        return {**order, **links}


def _handler_for(peer: StorefrontPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            peer.handle(self, "GET")

        def do_POST(self) -> None:
            peer.handle(self, "POST")

        def do_PUT(self) -> None:
            peer.handle(self, "PUT")

    return Handler


def _send(handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode() if payload is not None else b""
    handler.send_response(status)
    if data:
        handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(data)


def _list(items: list[Any], shape: Any = None) -> Reply:
    """BigCommerce v2 answers an empty collection with 204 No Content."""
    return (200, [shape(i) if shape else i for i in items], {}) if items else (204, None, {})


def _iso(value: str, *, naive_is_utc: bool = False) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None and naive_is_utc else moment


def _any_time(value: str) -> datetime:
    """BigCommerce date filters take RFC 2822 or ISO 8601."""
    try:
        return _iso(value, naive_is_utc=True)
    except ValueError:
        return parsedate_to_datetime(value)
