"""Nothing waits on a lost task: a commit with the broker down still answers 2xx, every waiting delivery and
pending order is found again by its sweep, shown on the inbox page and replayable, and the replay says
truthfully whether the task was queued."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core import roles
from orders.models import InboxDelivery, Order, OrderEvent
from orders.services.allocation_sweep import pending_orders_allocate
from orders.services.inbox import inbox_mark_failed, inbox_process, inbox_requeue_due
from tests.factories import ProductFactory, UserFactory, WarehouseFactory, merchant_user
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import payload, shopify_headers

DEAD_BROKER = "redis://127.0.0.1:1/0"


class Broker:
    """Points the Celery app at a port nobody listens on, as when Redis is down, and back."""

    def __init__(self):
        from wms_project.celery import app

        self.app, self.url = app, app.conf.broker_url

    def _forget_connections(self):
        # Only dropped, never closed: kombu keeps one pool per broker URL in a global registry, and the app
        # finds the live one again by its URL.
        self.app._pool = None
        self.app.amqp._producer_pool = None

    def down(self):
        self._forget_connections()
        self.app.conf.broker_url = DEAD_BROKER

    def up(self):
        self._forget_connections()
        self.app.conf.broker_url = self.url


@pytest.fixture
def broker_down():
    broker = Broker()
    broker.down()
    try:
        yield broker
    finally:
        broker.up()


def shop():
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-123")
    for sku in ("ACME-0001", "ACME-0002"):
        ProductFactory(merchant=channel.merchant, sku=sku)
    WarehouseFactory()
    return channel


def post_webhook(channel, event_id="evt-1"):
    body = json.dumps(payload("shopify_order")).encode()
    return Client().post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json",
                         **shopify_headers("whsec-123", body, event_id=event_id))


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_committed_requests_answer_2xx_and_the_work_is_due_for_its_sweep(broker_down, settings):
    channel = shop()
    response = post_webhook(channel)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    delivery = InboxDelivery.objects.get()
    assert delivery.status == "received" and delivery.next_attempt_at <= timezone.now()  # due at once
    assert post_webhook(channel).json()["status"] == "duplicate"

    api = Client()
    token = Token.objects.create(user=merchant_user(channel.merchant))
    created = api.post("/api/v1/orders/", data=json.dumps({
        "order_number": "R-1", "ship_to": {"name": "A", "line1": "5 Elm St", "city": "Newark", "region": "NJ",
                                           "postal_code": "07102", "country": "US"},
        "lines": [{"sku": "ACME-0001", "quantity": 1}]}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}")
    assert created.status_code == 201 and Order.objects.get(order_number="R-1").status == "pending"

    operator = Client()
    operator.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    page = operator.get("/orders/inbox/").content.decode()
    assert f"/orders/inbox/{delivery.pk}/replay/" in page and "R-1" in page
    replay = operator.post(f"/orders/inbox/{delivery.pk}/replay/", follow=True).content.decode()
    assert "the inbox sweep will process it when the queue is back" in replay
    assert "replayed by" in InboxDelivery.objects.get().last_error
    order = Order.objects.get(order_number="R-1")
    allocate = operator.post(f"/orders/inbox/orders/{order.pk}/allocate/", follow=True).content.decode()
    assert "the allocation sweep will allocate it when the queue is back" in allocate
    assert OrderEvent.objects.filter(order=order, kind="allocation_requested").exists()

    # A sweep while the broker is still down leaves the delivery due; once it is back the sweep queues it.
    settings.ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS = 0
    assert inbox_requeue_due() == [delivery.pk]
    assert InboxDelivery.objects.get().next_attempt_at <= timezone.now()
    broker_down.up()
    assert inbox_requeue_due() == [delivery.pk]
    assert inbox_requeue_due() == []  # pushed a requeue interval ahead: a slow queue is not flooded
    assert inbox_process(delivery_id=delivery.pk) == "created"
    assert pending_orders_allocate() == 2
    assert not Order.objects.filter(status="pending").exists()
    assert set(InboxDelivery.objects.values_list("status", flat=True)) == {"processed"}


@pytest.mark.django_db
def test_a_run_killed_mid_processing_is_taken_back_when_its_lease_runs_out(settings):
    channel = shop()
    post_webhook(channel)
    delivery = InboxDelivery.objects.get()
    # A run claimed it, then its worker died: processing under a lease nobody will finish.
    InboxDelivery.objects.filter(pk=delivery.pk).update(
        status="processing", attempts=1, next_attempt_at=timezone.now() + dt.timedelta(seconds=60))
    assert inbox_process(delivery_id=delivery.pk) == "in_flight"  # another run holds the lease
    assert inbox_requeue_due() == []
    InboxDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert inbox_requeue_due() == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == "received" and "lease ran out" in delivery.last_error
    assert inbox_process(delivery_id=delivery.pk) == "created"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("processed", 2, None)
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_delivery_that_used_up_its_attempts_is_parked_not_swept_forever(settings):
    settings.ORDERS_INBOX_MAX_ATTEMPTS = 3
    channel = shop()
    post_webhook(channel)
    delivery = InboxDelivery.objects.get()
    InboxDelivery.objects.filter(pk=delivery.pk).update(status="processing", attempts=2)
    assert inbox_mark_failed(delivery_id=delivery.pk, error="boom", park=False, retry_in=2) is False
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at > timezone.now() + dt.timedelta(seconds=2)
    InboxDelivery.objects.filter(pk=delivery.pk).update(attempts=3)
    assert inbox_mark_failed(delivery_id=delivery.pk, error="boom again", park=False) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == ("parked", None)
    InboxDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    assert inbox_requeue_due() == []  # parked work is the operator's, on the inbox page


@pytest.mark.django_db
def test_the_allocation_sweep_leaves_fresh_pending_orders_to_their_task(settings):
    settings.ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS = 60
    channel = shop()
    post_webhook(channel)
    inbox_process(delivery_id=InboxDelivery.objects.get().pk)
    order = Order.objects.get()
    assert order.status == "pending" and pending_orders_allocate() == 0
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=61))
    assert pending_orders_allocate() == 1
    order.refresh_from_db()
    assert order.status == "backordered"
    assert order.events.filter(kind="routing", actor_label="allocation sweep").exists()


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_waiting_work_and_calls_it_stuck_only_past_the_limit(client, celery_worker, settings):
    settings.WMS_STUCK_AFTER_SECONDS = 600
    channel = shop()
    delivery = InboxDelivery.objects.create(channel=channel, dedup_key="evt-x", topic="order.created", body="{}")
    InboxDelivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - dt.timedelta(seconds=30))
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["work"]["ok"] and body["stuck"] == [], body
    assert body["work"]["deliveries_waiting"] == 1 and 30 <= body["work"]["oldest_waiting_delivery_seconds"] < 600
    InboxDelivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - dt.timedelta(seconds=900))
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200  # web stays in rotation: it can still take webhooks
    assert body["status"] == "stuck" and body["stuck"] == ["deliveries waiting"] and not body["work"]["ok"]
