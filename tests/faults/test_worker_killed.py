"""A Celery worker SIGKILLed in the middle of a burst of signed Shopify webhooks loses nothing.

The supervisor (the one `make run` uses) starts it again. The tasks it held stay unacknowledged in Redis until the broker's visibility timeout (an hour), and an order
committed just before the kill may never have had its allocation queued. The inbox sweep (deliveries left
received, or processing past their lease) and the allocation sweep (orders left pending) finish the work.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

from orders.models import InboxDelivery, Order
from tests.factories import ProductFactory, WarehouseFactory
from tests.faults.system import meta_to_headers, wait_for, work_state
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import payload, shopify_headers

BURST = 300


def shopify_order(number: int) -> bytes:
    order = payload("shopify_order")
    order["id"] = 7_000_000 + number
    order["name"] = f"#F{number}"
    order["order_number"] = number
    return json.dumps(order).encode()


def test_a_worker_killed_mid_burst_leaves_every_delivery_exactly_one_order(system):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-faults")
    for sku in ("ACME-0001", "ACME-0002"):
        ProductFactory(merchant=channel.merchant, sku=sku)
    WarehouseFactory()  # no stock in it: every order ends backordered, which is allocation's answer too
    system.start()
    wait_for(system.worker_is_consuming, timeout=90, what="the worker to be ready")

    def deliver(number: int) -> int:
        body = shopify_order(number)
        headers = meta_to_headers(shopify_headers("whsec-faults", body, event_id=f"evt-{number}"))
        status, answer = system.post(f"/webhooks/shopify/{channel.pk}/", body, {**headers, "Content-Type": "application/json"})
        assert status == 200, (status, answer)
        return status

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = pool.map(deliver, range(BURST))
        wait_for(lambda: InboxDelivery.objects.filter(status="processed").count() >= 100, timeout=120,
                 interval=0.05, what="a third of the burst to be processed")
        system.kill("worker")
        killed_at = InboxDelivery.objects.filter(status="processed").count()
        assert list(answers) == [200] * BURST
    assert killed_at < BURST, "the worker was killed before the burst was through"
    wait_for(lambda: system.restarts("worker") == 1 and system.worker_is_consuming(), timeout=90,
             what="the supervisor to start the worker again")
    restarted = time.monotonic()

    def all_done() -> bool:
        waiting = InboxDelivery.objects.exclude(status__in=["processed", "ignored"]).count()
        pending = Order.objects.filter(status="pending").count()
        return waiting == 0 and pending == 0 and Order.objects.count() == BURST

    wait_for(all_done, timeout=120, interval=1, what="every delivery processed and every order allocated",
             describe=work_state)
    assert time.monotonic() - restarted < 120
    assert InboxDelivery.objects.count() == BURST
    assert set(InboxDelivery.objects.values_list("status", flat=True)) == {"processed"}
    assert InboxDelivery.objects.values("order").distinct().count() == BURST  # each delivery is its own order
    assert Order.objects.filter(channel=channel).count() == BURST
    assert not Order.objects.filter(status__in=["pending", "received"]).exists()
