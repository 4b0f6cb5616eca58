"""Webhooks accepted per second and latency under concurrent senders, next to a bare Django view,
both served by the same gunicorn on the same machine."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid

from benchmarks.common import ROOT, bench_database_url, median, percentile, setup_django, write_section

SENDERS = 16
PER_SENDER = 40
PORT = 8765


def run() -> None:
    url = bench_database_url()
    setup_django(url)
    from django.conf import settings

    from inventory.models import Merchant
    from orders.models import Channel
    from tests.orders.storefront import payload, shopify_headers

    merchant = Merchant.objects.create(code="bench", name="Bench")
    channel = Channel.objects.create(merchant=merchant, kind="shopify", name="Bench shop", webhook_secret="whsec")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL, "WMS_BENCH_NOOP": "1", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "wms_project.wsgi:application", "--bind",
         f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        _wait(PORT)
        body = json.dumps(payload("shopify_order")).encode()

        def webhook():
            headers = {k[5:].replace("_", "-").title(): v for k, v in shopify_headers("whsec", body, event_id=str(uuid.uuid4())).items()}
            return "POST", f"/webhooks/shopify/{channel.pk}/", body, {**headers, "Content-Type": "application/json"}

        def noop():
            return "POST", "/bench/noop", body, {"Content-Type": "application/json"}

        rows = {}
        for name, make in (("bare Django view", noop), ("Shopify webhook (verify, store, enqueue)", webhook)):
            rounds = [_load(make) for _ in range(3)]
            rows[name] = rounds
    finally:
        server.terminate()
        server.wait(10)
    table = "\n".join(
        f"| {name} | {median([r[0] for r in rounds]):.0f} | {median([r[1] for r in rounds]):.1f} | {median([r[2] for r in rounds]):.1f} |"
        for name, rounds in rows.items()
    )
    bare, hook = (median([r[0] for r in rounds]) for rounds in rows.values())
    write_section("Webhooks", f"""
gunicorn, 2 workers x 4 threads, on the benchmark database; {SENDERS} concurrent senders x {PER_SENDER}
requests, 3 rounds, medians. Each webhook carries the real Shopify order fixture (~3 KB), is verified
(HMAC over the raw body), stored in the inbox and enqueued for a Celery worker (none is running: the
benchmark measures acceptance, not processing).

| endpoint | requests / s | p50 ms | p99 ms |
|---|---|---|---|
{table}

Webhook / bare throughput ratio: {hook / bare:.2f}.
""")


def _wait(port: int) -> None:
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _load(make) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(SENDERS + 1)

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        start.wait()
        for _ in range(PER_SENDER):
            method, path, body, headers = make()
            began = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99)
