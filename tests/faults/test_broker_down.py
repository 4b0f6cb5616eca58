"""The broker down while webhooks and REST orders arrive: nothing committed is answered with a 500, nothing
waits for an operator, and the operator's replay tells the truth.

The outage lasts FAULTS_OUTAGE_SECONDS (30 s by default, under the minute of the field report to keep the
suite short: the behaviour does not depend on the length, since Redis runs without persistence and loses
its whole queue either way, and the worker and beat reconnect on their own backoff). Redis comes back
empty, so every task published before or during the outage is gone; the sweeps finish the work. The
Celery worker exits when its broker connection breaks while it holds unacknowledged tasks (a kombu
error while it restores them); the supervisor that `make run` uses starts it again, as docker-compose's
restart policy does in production.
"""

import json
import os
import time

from rest_framework.authtoken.models import Token

from core import roles
from orders.models import InboxDelivery, Order, OrderEvent
from tests.factories import ProductFactory, UserFactory, WarehouseFactory, merchant_user
from tests.faults.system import Browser, meta_to_headers, wait_for, work_state
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import payload, shopify_headers

OUTAGE_SECONDS = float(os.environ.get("FAULTS_OUTAGE_SECONDS") or 30)


def shopify_order(number: int) -> bytes:
    order = payload("shopify_order")
    order["id"] = 8_000_000 + number
    order["name"] = f"#B{number}"
    order["order_number"] = number
    return json.dumps(order).encode()


def rest_order(number: int) -> bytes:
    return json.dumps({
        "order_number": f"R-{number}", "email": "buyer@example.com", "customer_name": "Ana Buyer",
        "ship_to": {"name": "Ana Buyer", "line1": "5 Elm St", "city": "Newark", "region": "NJ",
                    "postal_code": "07102", "country": "US"},
        "lines": [{"sku": "ACME-0001", "quantity": 1, "unit_price": "10.00"}],
    }).encode()


def test_with_the_broker_down_every_committed_request_answers_2xx_and_the_sweeps_finish_the_work(system):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-faults")
    for sku in ("ACME-0001", "ACME-0002"):
        ProductFactory(merchant=channel.merchant, sku=sku)
    WarehouseFactory()
    token = Token.objects.create(user=merchant_user(channel.merchant)).key
    UserFactory(username="ops-faults", role=roles.CUSTOMER_SERVICE)
    system.start()
    wait_for(system.worker_is_consuming, timeout=90, what="the worker to be ready")
    operator = Browser(system.url, "ops-faults", "pw-123456")

    def webhook(number: int, event_id: str | None = None) -> tuple[int, dict]:
        body = shopify_order(number)
        headers = meta_to_headers(shopify_headers("whsec-faults", body, event_id=event_id or f"evt-b{number}"))
        return system.post(f"/webhooks/shopify/{channel.pk}/", body, {**headers, "Content-Type": "application/json"})

    def api_order(number: int) -> tuple[int, dict]:
        return system.post("/api/v1/orders/", rest_order(number),
                           {"Authorization": f"Token {token}", "Content-Type": "application/json"})

    assert webhook(0)[0] == 200  # one before the outage: its tasks are lost with the broker's memory
    system.redis.stop()
    outage_started = time.monotonic()
    answers, number = [], 0
    while time.monotonic() - outage_started < OUTAGE_SECONDS or number < 10:
        number += 1
        answers.append(("webhook", number, *webhook(number)))
        answers.append(("rest", number, *api_order(number)))
    retry = webhook(1)  # the storefront retries a delivery it already made: stored once, still 200
    assert retry[0] == 200 and retry[1]["status"] == "duplicate"

    refused = [a for a in answers if not (200 <= a[2] < 300)]
    assert not refused, refused[:5]
    assert {a[2] for a in answers if a[0] == "rest"} == {201}
    assert InboxDelivery.objects.count() == number + 1 and Order.objects.filter(channel__kind="api").count() == number

    # The operator sees the waiting work and replays it; with the queue unreachable the page says so.
    inbox = operator.get("/orders/inbox/")
    delivery = InboxDelivery.objects.get(external_order_id=str(8_000_000 + number))
    assert f"/orders/inbox/{delivery.pk}/replay/" in inbox
    pending = Order.objects.get(order_number=f"R-{number}")
    assert pending.status == "pending" and f"/orders/inbox/orders/{pending.pk}/allocate/" in inbox
    replayed = operator.post_form(f"/orders/inbox/{delivery.pk}/replay/", {})
    assert "the inbox sweep will process it when the queue is back" in replayed
    allocate = operator.post_form(f"/orders/inbox/orders/{pending.pk}/allocate/", {})
    assert "the allocation sweep will allocate it when the queue is back" in allocate
    assert OrderEvent.objects.filter(order=pending, kind="allocation_requested").exists()

    system.redis.start()  # empty: every task published before and during the outage is gone
    back = time.monotonic()

    def all_done() -> bool:
        return (not InboxDelivery.objects.exclude(status="processed").exists()
                and not Order.objects.filter(status="pending").exists()
                and Order.objects.count() == 2 * number + 1)

    wait_for(all_done, timeout=120, interval=1, what="every delivery and order processed after the broker's return",
             describe=work_state)
    assert time.monotonic() - back < 120
    assert InboxDelivery.objects.filter(order__isnull=False).values("order").distinct().count() == number + 1
    assert set(Order.objects.values_list("status", flat=True)) <= {"backordered", "allocated", "released"}
