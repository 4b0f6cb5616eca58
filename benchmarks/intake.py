"""Intake next to its ceilings, all served by one gunicorn in one run: a bare view, a view doing one INSERT,
the signed Shopify webhook and the REST order create, under wrk; then the webhook again at half its rate for
the latency an ordinary peak sees."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

from benchmarks.common import BENCH_DB, bench_database_url, machine, setup_django, write_section
from benchmarks.load import CONNECTIONS, WRK_THREADS, med, pace_lua, rounds_text, served, server_shape, wrk

ROUNDS = 3
SECONDS = 10
SECRET = "whsec-bench"
SHOP = "acme-outdoor.myshopify.com"

_COUNTER = """
local counter = 0
local prefix = ""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = os.getenv("BENCH_RUN") .. "-" .. tostring(tid) .. "-"
end
local function next_id()
  counter = counter + 1
  return prefix .. counter
end
"""


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def baseline_script(path: str, body: bytes) -> str:
    return (
        f'wrk.method = "POST"\nwrk.path = "{path}"\nwrk.body = {_lua_string(body.decode())}\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def webhook_script(channel_id: int, body: bytes, signature: str) -> str:
    triggered = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return _COUNTER + f"""
wrk.method = "POST"
wrk.path = "/webhooks/shopify/{channel_id}/"
wrk.body = {_lua_string(body.decode())}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Shopify-Hmac-Sha256"] = "{signature}"
wrk.headers["X-Shopify-Topic"] = "orders/create"
wrk.headers["X-Shopify-Shop-Domain"] = "{SHOP}"
wrk.headers["X-Shopify-Triggered-At"] = "{triggered}"
wrk.headers["X-Shopify-Api-Version"] = "2024-10"
request = function()
  local id = next_id()
  wrk.headers["X-Shopify-Event-Id"] = id
  wrk.headers["X-Shopify-Webhook-Id"] = id
  return wrk.format()
end
"""


def rest_script(token: str, body_template: str) -> str:
    head, tail = body_template.split("__N__")
    return _COUNTER + f"""
wrk.method = "POST"
wrk.path = "/api/v1/orders/"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token {token}"
local head = {_lua_string(head)}
local tail = {_lua_string(tail)}
request = function()
  return wrk.format(nil, nil, nil, head .. next_id() .. tail)
end
"""


def run() -> None:
    url = bench_database_url()
    setup_django(url)
    import psycopg
    from django.conf import settings
    from rest_framework.authtoken.models import Token

    from benchmarks.urls import CREATE_INSERT_TABLE
    from core import roles
    from inventory.models import Merchant, MerchantMembership, Product
    from orders.models import Channel, InboxDelivery, Order
    from tests.factories import UserFactory
    from tests.orders.storefront import payload, sign

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE_INSERT_TABLE)
    roles.ensure_roles()
    merchant = Merchant.objects.create(code="bench", name="Bench")
    channel = Channel.objects.create(merchant=merchant, kind="shopify", name="Bench shop", webhook_secret=SECRET,
                                     store_identity=SHOP)
    Channel.objects.create(merchant=merchant, kind="api", name="Bench API")
    for sku in ("BENCH-A", "BENCH-B"):
        Product.objects.create(merchant=merchant, sku=sku, name=sku)
    user = UserFactory(role=roles.MERCHANT)
    MerchantMembership.objects.create(user=user, merchant=merchant)
    token = Token.objects.create(user=user).key

    body = json.dumps(payload("shopify_order")).encode()
    rest_body = json.dumps({
        "order_number": "__N__", "email": "bench@example.com", "customer_name": "Bench Buyer",
        "ship_to": {"name": "Bench Buyer", "line1": "1 Main St", "city": "Newark", "region": "NJ",
                    "postal_code": "07102", "country": "US"},
        "lines": [{"sku": "BENCH-A", "quantity": 1, "unit_price": "10.00"},
                  {"sku": "BENCH-B", "quantity": 2, "unit_price": "4.50"}],
    })
    scripts = {
        "bare": baseline_script("/bench/noop", body),
        "insert": baseline_script("/bench/insert", body),
        "webhook": webhook_script(channel.pk, body, sign(SECRET, body)),
        "rest": rest_script(token, rest_body),
    }
    results: dict[str, list] = {name: [] for name in scripts}
    half: list = []
    with served(url, settings.REDIS_URL) as base:
        for script in scripts.values():  # warm every path once (imports, connections)
            wrk(base, script, seconds=2, env={"BENCH_RUN": f"warm-{uuid.uuid4().hex[:8]}"})
        for _ in range(ROUNDS):  # interleaved rounds: the machine's noise hits every path alike
            for name, script in scripts.items():
                results[name].append(wrk(base, script, seconds=SECONDS, env={"BENCH_RUN": uuid.uuid4().hex[:12]}))
        half_rate = med(results["webhook"], "rate") / 2
        for _ in range(ROUNDS):
            half.append(wrk(base, scripts["webhook"] + pace_lua(half_rate), seconds=SECONDS,
                            env={"BENCH_RUN": uuid.uuid4().hex[:12]}))
    _purge_queued_tasks()
    failed = {name: sum(r.errors for r in rounds) for name, rounds in (*results.items(), ("webhook at half rate", half))}
    if any(failed.values()):
        raise RuntimeError(f"requests failed during the intake benchmark: {failed}")
    deliveries, orders = InboxDelivery.objects.count(), Order.objects.filter(channel__kind="api").count()
    insert = med(results["insert"], "rate")
    bare = med(results["bare"], "rate")

    def row(label: str, rounds: list) -> str:
        rate = med(rounds, "rate")
        return (f"| {label} | {rate:.0f} | {rounds_text(rounds)} | {med(rounds, 'p50'):.1f} | {med(rounds, 'p99'):.1f} "
                f"| {rate / insert:.2f} | {rate / bare:.2f} |")

    write_section("Intake", f"""
Command: `make bench BENCH_ARGS=intake`. Server: {server_shape()} (`make run`'s command, with
`benchmarks.settings` adding the two baseline routes), on a fresh `{BENCH_DB}` database of the configured
PostgreSQL; load: wrk {WRK_THREADS} threads x {CONNECTIONS} connections, {SECONDS} s per round, {ROUNDS} rounds
interleaved path by path, after a 2 s warm-up of each; medians. Machine: {machine()}, shared by the server,
PostgreSQL, Redis and wrk. Dataset: the Shopify `orders/create` fixture (~{len(body) / 1024:.1f} KB, HMAC-signed,
a fresh event id per request); the REST create posts a 2-line order with a fresh order number per request.
Every answer was 2xx; the database holds {deliveries} inbox deliveries and {orders} REST orders afterwards.

| path | req/s (median) | rounds | p50 ms | p99 ms | / one INSERT | / bare |
|---|---|---|---|---|---|---|
{row("bare Django view (ceiling)", results["bare"])}
{row("view doing one INSERT (ceiling)", results["insert"])}
{row("signed Shopify webhook accepted", results["webhook"])}
{row("REST order created (`POST /api/v1/orders/`)", results["rest"])}
{row(f"signed Shopify webhook at half rate (offered ~{half_rate:.0f}/s)", half)}
""")


def _purge_queued_tasks() -> None:
    """No worker runs during the benchmark: drop the tasks its requests queued so that none is left behind."""
    from wms_project.celery import app

    try:
        app.control.purge()
    except Exception:
        pass
    os.environ.pop("BENCH_RUN", None)
