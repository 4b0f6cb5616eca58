"""Storefront traffic: signed Shopify `orders/create` webhooks over HTTP, paced to a schedule (a normal stretch,
then a flash sale at several times the rate), sent by a pool of client threads on persistent connections."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

CITIES = [("Jersey City", "NJ", "07302"), ("Brooklyn", "NY", "11201"), ("Philadelphia", "PA", "19103"),
          ("Boston", "MA", "02108"), ("Los Angeles", "CA", "90012"), ("San Diego", "CA", "92101"),
          ("Phoenix", "AZ", "85004"), ("Seattle", "WA", "98101"), ("Chicago", "IL", "60601"), ("Denver", "CO", "80202")]


@dataclass
class Sent:
    external_id: str
    phase: str
    sent_at: float  # wall clock (time.time()), comparable with the database's timestamps
    latency_ms: float
    status: int


@dataclass
class IntakeResult:
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    phases: dict[str, dict] = field(default_factory=dict)  # phase -> offered rate, seconds taken


def shopify_order(n: int, run: str, rng: random.Random, skus: list[str], hot: list[str], *, flash: bool) -> dict:
    """A Shopify REST order as the webhook carries it: 1-3 lines, the flash sale leaning on a few hot SKUs."""
    city, region, postal = rng.choice(CITIES)
    lines = []
    for i, sku in enumerate(dict.fromkeys(rng.choice(hot) if flash and rng.random() < 0.6 else rng.choice(skus)
                                          for _ in range(rng.choice([1, 1, 2, 3]))), start=1):
        lines.append({"id": n * 10 + i, "sku": sku, "name": sku, "title": sku, "quantity": rng.choice([1, 1, 1, 2]),
                      "price": "19.00", "requires_shipping": True, "total_discount": "0.00"})
    now = datetime.now(UTC).isoformat()
    return {
        "id": n, "name": f"#SIM-{run}-{n}", "email": f"buyer{n}@sim.example", "financial_status": "paid",
        "currency": "USD", "created_at": now, "updated_at": now, "subtotal_price": "19.00", "total_price": "24.00",
        "total_tax": "0.00", "total_discounts": "0.00", "line_items": lines,
        "customer": {"first_name": "Sim", "last_name": f"Buyer {n}"},
        "shipping_address": {"name": f"Sim Buyer {n}", "address1": f"{n % 900 + 1} Main St", "city": city,
                             "province_code": region, "zip": postal, "country_code": "US"},
    }


def _sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def send_webhooks(base_url: str, world, *, orders: int, rate: float, burst_factor: float, burst_share: float,
                  seed: int, senders: int = 16, run: str | None = None) -> IntakeResult:
    """Send `orders` webhooks: the first (1 - burst_share) at `rate`/s, the rest at `rate * burst_factor`/s."""
    run = run or uuid.uuid4().hex[:6]
    rng = random.Random(seed)
    hot = world.scarce[:3] + rng.sample([s for s in world.skus if s not in world.scarce], 3)
    base_id = rng.randint(10**12, 10**13)
    normal = orders - round(orders * burst_share)
    schedule: list[tuple[float, str, bytes, str]] = []  # (offset seconds, phase, body, external id)
    offset = 0.0
    for k in range(orders):
        flash = k >= normal
        order = shopify_order(base_id + k, run, rng, world.skus, hot, flash=flash)
        schedule.append((offset, "flash sale" if flash else "normal", json.dumps(order).encode(), str(order["id"])))
        offset += 1.0 / (rate * burst_factor if flash else rate)
    result = IntakeResult()
    lock = threading.Lock()
    cursor = iter(range(len(schedule)))
    target = urlsplit(base_url)
    path = f"/webhooks/shopify/{world.channel_id}/"
    started = time.monotonic() + 0.2

    def sender() -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        while True:
            with lock:
                k = next(cursor, None)
            if k is None:
                break
            at, phase, body, external_id = schedule[k]
            delay = started + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            headers = {
                "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": _sign(world.secret, body),
                "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": world.shop,
                "X-Shopify-Event-Id": f"{run}-{k}", "X-Shopify-Webhook-Id": f"{run}-{k}",
                "X-Shopify-Triggered-At": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "X-Shopify-Api-Version": "2024-10",
            }
            wall, began = time.time(), time.perf_counter()
            status = 0
            for attempt in (1, 2):  # a storefront retries a delivery whose connection dropped (same event id)
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    break
                except OSError as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                    if attempt == 2:
                        with lock:
                            result.errors.append(f"{external_id}: {exc}")
            if not status:
                continue
            sent = Sent(external_id, phase, wall, (time.perf_counter() - began) * 1000, status)
            with lock:
                result.sent.append(sent)
                if status >= 300:
                    result.errors.append(f"{external_id}: HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=sender, name=f"webhook-sender-{n}") for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for phase, offered in (("normal", rate), ("flash sale", rate * burst_factor)):
        rows = [s for s in result.sent if s.phase == phase]
        if rows:
            span = max(s.sent_at for s in rows) - min(s.sent_at for s in rows)
            result.phases[phase] = {"orders": len(rows), "offered_per_s": offered,
                                    "sent_per_s": len(rows) / span if span > 0 else float(len(rows))}
    return result
