"""A real local HTTP server that plays Shopify, WooCommerce or BigCommerce for the calls we make."""

from __future__ import annotations

import base64
import json
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class StorefrontPeer:
    def __init__(self, kind: str, *, token: str = "peer-token", key: str = "ck_peer", secret: str = "cs_peer", page_size: int = 2):
        self.kind, self.token, self.key, self.secret, self.page_size = kind, token, key, secret, page_size
        self.orders: dict[str, dict] = {}
        self.stock: dict[str, int] = {}
        self.pushes: list[tuple[str, int]] = []
        self.requests: list[dict] = []
        self.down = False
        self.lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                peer._handle(self, "GET")

            def do_POST(self):
                peer._handle(self, "POST")

            def do_PUT(self):
                peer._handle(self, "PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle --------------------------------------------------------------------------
    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address
        base = f"http://{host}:{port}"
        return base + "/stores/abc123" if self.kind == "bigcommerce" else base

    @property
    def credentials(self) -> dict:
        if self.kind == "woocommerce":
            return {"consumer_key": self.key, "consumer_secret": self.secret}
        return {"access_token": self.token}

    def add_order(self, order: dict) -> None:
        with self.lock:
            self.orders[str(order["id"])] = order

    # --- request handling ---------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        with self.lock:
            self.requests.append({"method": method, "path": parsed.path, "query": query, "headers": dict(handler.headers), "json": body})
        if self.down:
            return self._send(handler, 503, {"errors": "service unavailable"})
        if not self._authorized(handler.headers):
            return self._send(handler, 401, {"errors": "[API] Invalid API key or access token"})
        route = getattr(self, f"_{self.kind}")
        status, payload, headers = route(method, parsed.path, query, body)
        self._send(handler, status, payload, headers)

    def _authorized(self, headers) -> bool:
        if self.kind == "shopify":
            return headers.get("X-Shopify-Access-Token") == self.token
        if self.kind == "bigcommerce":
            return headers.get("X-Auth-Token") == self.token
        expected = "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return headers.get("Authorization") == expected

    @staticmethod
    def _send(handler, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _page(self, items: list, page: int) -> tuple[list, int]:
        pages = max(1, -(-len(items) // self.page_size))
        return items[(page - 1) * self.page_size: page * self.page_size], pages

    # --- Shopify --------------------------------------------------------------------------------
    def _shopify(self, method, path, query, body):
        if method == "GET" and path.endswith("/orders.json"):
            page = int(query.get("page_info", "1"))
            since = query.get("updated_at_min")
            items = sorted((o for o in self.orders.values() if not since or o["updated_at"] > since), key=lambda o: o["updated_at"])
            chunk, pages = self._page(items, page)
            headers = {}
            if page < pages:
                headers["Link"] = f'<{self.url}{path}?limit={self.page_size}&page_info={page + 1}>; rel="next"'
            return 200, {"orders": chunk}, headers
        if method == "POST" and path.endswith("/graphql.json"):
            variables = body.get("variables") or {}
            if "productVariants" in body["query"]:
                sku = variables["q"].removeprefix("sku:")
                if sku not in self.stock:
                    return 200, {"data": {"productVariants": {"nodes": []}}}, {}
                level = {"location": {"id": "gid://shopify/Location/1"}, "quantities": [{"quantity": self.stock[sku]}]}
                item = {"id": f"gid://shopify/InventoryItem/{sku}", "inventoryLevels": {"nodes": [level]}}
                return 200, {"data": {"productVariants": {"nodes": [{"inventoryItem": item}]}}}, {}
            if "inventorySetQuantities" in body["query"]:
                change = variables["input"]["quantities"][0]
                sku = change["inventoryItemId"].rsplit("/", 1)[1]
                with self.lock:
                    if change.get("compareQuantity") is not None and change["compareQuantity"] != self.stock.get(sku):
                        errors = [{"field": ["compareQuantity"], "message": "The compareQuantity value does not match", "code": "COMPARE_QUANTITY_STALE"}]
                        return 200, {"data": {"inventorySetQuantities": {"userErrors": errors}}}, {}
                    self.stock[sku] = change["quantity"]
                    self.pushes.append((sku, change["quantity"]))
                return 200, {"data": {"inventorySetQuantities": {"userErrors": []}}}, {}
        return 404, {"errors": "Not Found"}, {}

    # --- WooCommerce ------------------------------------------------------------------------------
    def _woocommerce(self, method, path, query, body):
        if method == "GET" and path == "/wp-json/wc/v3/orders":
            since = query.get("modified_after")
            items = sorted((o for o in self.orders.values() if not since or o["date_modified_gmt"] > since),
                           key=lambda o: o["date_modified_gmt"])
            chunk, pages = self._page(items, int(query.get("page", "1")))
            return 200, chunk, {"X-WP-TotalPages": str(pages), "X-WP-Total": str(len(items))}
        if method == "GET" and path == "/wp-json/wc/v3/products":
            sku = query.get("sku", "")
            return 200, ([{"id": abs(hash(sku)) % 100000, "sku": sku}] if sku in self.stock else []), {}
        if method == "PUT" and path.startswith("/wp-json/wc/v3/products/"):
            product_id = int(path.rsplit("/", 1)[1])
            sku = next(s for s in self.stock if abs(hash(s)) % 100000 == product_id)
            with self.lock:
                self.stock[sku] = body["stock_quantity"]
                self.pushes.append((sku, body["stock_quantity"]))
            return 200, {"id": product_id, "sku": sku, "stock_quantity": body["stock_quantity"]}, {}
        return 404, {"code": "rest_no_route"}, {}

    # --- BigCommerce --------------------------------------------------------------------------------
    def _bigcommerce(self, method, path, query, body):
        prefix = "/stores/abc123"
        path = path.removeprefix(prefix)
        parts = path.strip("/").split("/")
        if method == "GET" and parts[:2] == ["v2", "orders"]:
            if len(parts) == 2:
                since = query.get("min_date_modified")
                items = sorted(self.orders.values(), key=lambda o: parsedate_to_datetime(o["date_modified"]))
                if since:
                    from datetime import datetime

                    cutoff = datetime.fromisoformat(since)
                    items = [o for o in items if parsedate_to_datetime(o["date_modified"]) > cutoff]
                limit = int(query.get("limit", "250"))
                page = int(query.get("page", "1"))
                chunk = items[(page - 1) * limit: page * limit]
                return (200, [self._bare(o) for o in chunk], {}) if chunk else (204, None, {})
            order = self.orders.get(parts[2])
            if order is None:
                return 404, [{"status": 404, "message": "The requested resource was not found."}], {}
            if len(parts) == 3:
                return 200, self._bare(order), {}
            if parts[3] == "products":
                return 200, order["products"], {}
            if parts[3] == "shipping_addresses":
                return 200, order["shipping_addresses"], {}
        if method == "PUT" and path == "/v3/inventory/adjustments/absolute":
            with self.lock:
                for item in body["items"]:
                    self.stock[item["sku"]] = item["quantity"]
                    self.pushes.append((item["sku"], item["quantity"]))
            return 200, {}, {}
        return 404, {"title": "Not found"}, {}

    @staticmethod
    def _bare(order: dict) -> dict:
        return {k: v for k, v in order.items() if k not in ("products", "shipping_addresses")}
