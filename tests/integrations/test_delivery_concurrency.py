"""Where deliveries meet on the same rows, on real PostgreSQL with threads: workers racing for one delivery POST it
once; fan-outs racing over the same events create each delivery once; a stock change racing another on the same
level records one stock.changed event each, numbered in commit order."""

from __future__ import annotations

import time

import pytest

from core.events import event_record
from core.models import DomainEvent, EventKind
from integrations.models import EventDelivery
from integrations.services.delivery import delivery_attempt, events_fan_out
from integrations.services.subscriptions import subscription_create
from inventory.models import StockLevel
from inventory.services.stock import stock_receive
from tests.concurrency import run_in_threads
from tests.factories import MerchantFactory
from tests.peers.webhook_endpoint import WebhookEndpoint
from tests.warehouse.picking import build_pick_site, product

pytestmark = pytest.mark.django_db(transaction=True)


class SlowEndpoint(WebhookEndpoint):
    def handle(self, handler):
        time.sleep(0.5)  # long enough for every racer to arrive while the first POST is in flight
        return super().handle(handler)


def test_workers_racing_for_one_delivery_post_it_once():
    merchant = MerchantFactory()
    with SlowEndpoint() as endpoint:
        subscription = subscription_create(merchant=merchant, url=endpoint.url, kinds=EventKind.values, actor="test")
        endpoint.secret = subscription.secret
        event_record(EventKind.ORDER_SHIPPED, merchant_id=merchant.pk, resource_type="order", resource_id=1)
        events_fan_out()
        delivery = EventDelivery.objects.get()
        results = run_in_threads(lambda i: delivery_attempt(delivery_id=delivery.pk), 4)
        assert sorted(results, key=str).count("delivered") == 1, results
        assert set(results) - {"delivered"} <= {"in_flight", "busy", "already_delivered"}
        assert len(endpoint.received) == 1 and endpoint.received[0]["verified"]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_fan_outs_racing_over_the_same_events_create_each_delivery_once():
    merchant = MerchantFactory()
    for n in range(3):
        subscription_create(merchant=merchant, url=f"https://h{n}.example.com/", kinds=EventKind.values, actor="test")
    for order_id in range(20):
        event_record(EventKind.ORDER_PICKED, merchant_id=merchant.pk, resource_type="order", resource_id=order_id)
    results = run_in_threads(lambda i: events_fan_out(), 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 60 and EventDelivery.objects.count() == 60


def test_stock_changes_racing_on_one_level_each_record_their_event_in_commit_order():
    ps = build_pick_site()
    shirt = product(ps)

    def receive(i: int):
        return stock_receive(product=shirt, bin=ps.shelves[i % 2], qty=i + 1, actor=None, reference=f"r{i}")

    results = run_in_threads(receive, 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    changed = list(DomainEvent.objects.filter(kind=EventKind.STOCK_CHANGED).order_by("pk"))
    assert len(changed) == 6
    on_hand = [e.payload["on_hand"] for e in changed]
    assert on_hand == sorted(on_hand) and on_hand[-1] == sum(range(1, 7))  # ids follow the order of the changes
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).on_hand == on_hand[-1]
