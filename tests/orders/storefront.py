"""Signing and payload helpers: deliveries built the way each storefront builds them."""

import base64
import copy
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_headers(secret: str, body: bytes, *, topic="orders/create", event_id=None, triggered_at=None):
    triggered_at = triggered_at or datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "HTTP_X_SHOPIFY_HMAC_SHA256": sign(secret, body), "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_EVENT_ID": event_id or str(uuid.uuid4()), "HTTP_X_SHOPIFY_WEBHOOK_ID": str(uuid.uuid4()),
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "acme-outdoor.myshopify.com", "HTTP_X_SHOPIFY_TRIGGERED_AT": triggered_at,
        "HTTP_X_SHOPIFY_API_VERSION": "2024-10",
    }


def woocommerce_headers(secret: str, body: bytes, *, topic="order.created"):
    resource, event = topic.split(".")
    return {
        "HTTP_X_WC_WEBHOOK_SIGNATURE": sign(secret, body), "HTTP_X_WC_WEBHOOK_TOPIC": topic,
        "HTTP_X_WC_WEBHOOK_RESOURCE": resource, "HTTP_X_WC_WEBHOOK_EVENT": event, "HTTP_X_WC_WEBHOOK_ID": "12",
        "HTTP_X_WC_WEBHOOK_DELIVERY_ID": uuid.uuid4().hex, "HTTP_X_WC_WEBHOOK_SOURCE": "https://bloom.example/",
    }


def bigcommerce_body(order_id: int, *, scope="store/order/created", event_hash=None) -> bytes:
    return json.dumps({
        "scope": scope, "store_id": "1025646", "data": {"type": "order", "id": order_id},
        "hash": event_hash or hashlib.sha1(f"{scope}{order_id}{uuid.uuid4()}".encode()).hexdigest(),
        "created_at": 1763655125, "producer": "stores/abc123",
    }).encode()
