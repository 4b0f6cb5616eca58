"""Storefront adapters: one module per storefront kind, named after `Channel.kind`.

Each module exposes the same surface, so callers pick one with `import_module(f"orders.adapters.{kind}")`:

- `verify(secret, raw_body, headers)` raises `SignatureError` unless the delivery is authentic;
- `parse_webhook(raw_body, headers) -> WebhookEvent` raises `PayloadError` on a malformed delivery;
- `normalize(order_json) -> NormalizedOrder` turns the storefront's order JSON into the canonical order;
- a client class (`ShopifyClient`, `WooCommerceClient`, `BigCommerceClient`) with `fetch_order`,
  `list_orders_changed_since` and `set_available`, raising `PeerError` when the storefront fails,
  and the sync-back calls `push_allocated`, `push_shipped`, `push_delivered`, `push_cancelled`
  `(order_external_id, payload) -> str` (what the storefront was told), each safe to repeat: they look
  before they write, so a retried delivery adds no second fulfillment, shipment or note.

WooCommerce also has `is_ping(raw_body, headers)` for the unsigned ping sent when a webhook is created.
Everything here is plain Python (no Django), defined in `orders.adapters.base`.
"""
