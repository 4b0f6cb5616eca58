"""Outbound event webhooks against a real local endpoint: every event kind arrives signed and shaped as
docs/EVENTS.md documents it; an endpoint down for a while loses nothing and hears each resource's events in
order afterwards; a parked delivery holds its resource's later events until it is replayed; the published
signature vector is the one the code computes."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from django.utils import timezone

from core.events import event_record
from core.models import DomainEvent, EventKind
from integrations.models import EventCursor, EventDelivery, EventSubscription
from integrations.services.delivery import (
    deliveries_due,
    deliveries_replay,
    deliveries_send_due,
    delivery_attempt,
    delivery_replay,
    events_fan_out,
    signature,
    signature_verify,
)
from integrations.services.subscriptions import SubscriptionRefused, subscription_create, subscription_rotate_secret
from inventory.models import Merchant
from tests.core import test_event_emission as flows
from tests.factories import MerchantFactory, UserFactory
from tests.peers.webhook_endpoint import WebhookEndpoint

DOCS = Path(__file__).resolve().parents[2] / "docs" / "EVENTS.md"


def documented() -> dict[str, dict]:
    """The example payload of each kind in docs/EVENTS.md."""
    text = DOCS.read_text()
    found = {}
    for kind, body in re.findall(r"^`([a-z]+\.[a-z]+)`[^\n]*\n```json\n(.*?)\n```", text, flags=re.M | re.S):
        found[kind] = json.loads(body)
    return found


def test_the_published_signature_vector_is_what_deliveries_carry():
    text = DOCS.read_text()
    vector = json.loads(re.search(r"<!-- signature-vector -->\n```json\n(.*?)\n```", text, flags=re.S).group(1))
    header = signature(vector["secret"], vector["timestamp"], vector["body"].encode())
    assert header == vector["signature"]
    assert signature_verify(vector["secret"], vector["timestamp"], vector["body"].encode(), header,
                            now=int(vector["timestamp"]) + 10)
    assert not signature_verify(vector["secret"], vector["timestamp"], vector["body"].encode() + b" ", header,
                                now=int(vector["timestamp"]))
    assert not signature_verify(vector["secret"], vector["timestamp"], vector["body"].encode(), header,
                                now=int(vector["timestamp"]) + 3600)  # an old request replayed is refused


def test_every_kind_is_documented_with_an_example():
    assert set(documented()) == set(EventKind.values)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1:70/", "example.com/x",
                                 "http://user:pw@example.com/", "http:///nohost", "http://exa mple.com/", "https://x\x00y/",
                                 "http://example.com:99999/", "http://" + "a" * 500 + ".com/"])
def test_only_http_and_https_endpoints_are_taken(url):
    merchant = MerchantFactory()
    with pytest.raises(SubscriptionRefused):
        subscription_create(merchant=merchant, url=url, kinds=[EventKind.ORDER_SHIPPED], actor="test")
    assert not EventSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kinds", [[], ["order.teleported"], "order.shipped", None, [None], [1]])
def test_kinds_are_known_kinds(kinds):
    with pytest.raises(SubscriptionRefused):
        subscription_create(merchant=MerchantFactory(), url="https://example.com/h", kinds=kinds, actor="test")


def _subscribe_everyone(endpoint: WebhookEndpoint) -> None:
    """One subscription to every kind per merchant, as old as the events (subscribed before they happened)."""
    for merchant in Merchant.objects.all():
        subscription = subscription_create(merchant=merchant, url=endpoint.url, kinds=EventKind.values, actor="test")
        EventSubscription.objects.filter(pk=subscription.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    endpoint.secret = ""


@pytest.mark.django_db
def test_every_event_kind_reaches_the_endpoint_signed_and_as_documented():
    flows.test_an_order_reports_every_step_from_allocation_to_delivery_in_order()
    flows.test_a_delivery_exception_and_a_return_to_sender_are_order_exceptions()
    flows.test_a_cancelled_order_reports_its_cancel_once()
    flows.test_a_closed_receipt_reports_its_units_and_cartons()
    flows.test_a_return_reports_its_parcel_received_and_its_units_graded()
    examples = documented()
    with WebhookEndpoint() as endpoint:
        _subscribe_everyone(endpoint)
        secrets = {s.merchant_id: s.secret for s in EventSubscription.objects.all()}
        outcome = deliveries_send_due(limit=1000)
        assert set(outcome) == {"delivered"}
        assert not EventDelivery.objects.exclude(status="delivered").exists()
        events = {e.pk: e for e in DomainEvent.objects.select_related("merchant", "warehouse")}
        assert len(endpoint.received) == len(events)
        assert set(endpoint.kinds()) == set(EventKind.values)
        for request in endpoint.received:
            body, headers = request["json"], request["headers"]
            event = events[body["id"]]
            assert signature_verify(secrets[event.merchant_id], headers["x-wms-timestamp"], request["raw"],
                                    headers["x-wms-signature"])
            assert headers["x-wms-event"] == event.kind == body["kind"]
            delivery = EventDelivery.objects.get(pk=int(headers["x-wms-delivery"]))
            assert delivery.event_id == event.pk and delivery.attempts == 1 and delivery.last_status == 200
            assert headers["content-type"] == "application/json"
            assert body["merchant"] == event.merchant.code
            assert body["warehouse"] == (event.warehouse.code if event.warehouse else None)
            assert body["resource"] == {"type": event.resource_type, "id": event.resource_id}
            assert body["data"] == json.loads(json.dumps(event.payload))
            assert set(body) == {"id", "kind", "occurred_at", "merchant", "warehouse", "resource", "data"}
            assert set(body["data"]) == set(examples[event.kind]), event.kind
        # Each resource's events arrived in the order they happened.
        arrived: dict[tuple, list[int]] = {}
        for request in endpoint.received:
            body = request["json"]
            arrived.setdefault((body["resource"]["type"], body["resource"]["id"]), []).append(body["id"])
        assert all(ids == sorted(ids) for ids in arrived.values())
        assert deliveries_send_due() == {}  # nothing twice


def _order_events(merchant, order_ids, kinds):
    """Events of several resources, interleaved, recorded in their own transactions."""
    for kind in kinds:
        for order_id in order_ids:
            event_record(kind, merchant_id=merchant.pk, resource_type="order", resource_id=order_id,
                         payload={"order_id": order_id, "order_number": f"#{order_id}"})


@pytest.mark.django_db
def test_an_endpoint_down_for_a_while_loses_nothing_and_hears_each_resource_in_order(settings):
    settings.INTEGRATIONS_RETRY_BASE_SECONDS = 0
    settings.INTEGRATIONS_DELIVERY_MAX_ATTEMPTS = 100
    merchant = MerchantFactory()
    with WebhookEndpoint() as endpoint:
        subscription = subscription_create(merchant=merchant, url=endpoint.url, kinds=EventKind.values, actor="test")
        endpoint.secret = subscription.secret
        endpoint.go_down()
        _order_events(merchant, [101, 102, 103], [EventKind.ORDER_ALLOCATED, EventKind.ORDER_RELEASED])
        events_fan_out()
        for _ in range(3):  # three rounds of tries while it is down: only the first of each order is tried
            for delivery_id in deliveries_due():
                assert delivery_attempt(delivery_id=delivery_id) == "retrying"
        assert endpoint.refused == 9 and not endpoint.received
        later = EventDelivery.objects.filter(kind=EventKind.ORDER_RELEASED)
        assert set(later.values_list("attempts", flat=True)) == {0}  # waited behind their order's first event
        assert delivery_attempt(delivery_id=later.first().pk) == "waiting"
        _order_events(merchant, [101, 102, 103], [EventKind.ORDER_PICKED])

        endpoint.come_up()
        assert deliveries_send_due() == {"delivered": 9}
        assert len(endpoint.received) == 9 and all(r["verified"] for r in endpoint.received)
        for order_id in (101, 102, 103):
            assert [r["json"]["kind"] for r in endpoint.of_resource("order", order_id)] == [
                "order.allocated", "order.released", "order.picked"]
        assert set(EventDelivery.objects.values_list("status", flat=True)) == {"delivered"}
        assert sorted(EventDelivery.objects.values_list("attempts", flat=True)) == [1] * 6 + [4] * 3


@pytest.mark.django_db
def test_a_parked_delivery_holds_its_resource_until_it_is_replayed(settings):
    settings.INTEGRATIONS_RETRY_BASE_SECONDS = 0
    settings.INTEGRATIONS_DELIVERY_MAX_ATTEMPTS = 2
    merchant = MerchantFactory()
    user = UserFactory()
    with WebhookEndpoint() as endpoint:
        subscription = subscription_create(merchant=merchant, url=endpoint.url, kinds=EventKind.values, actor="test")
        endpoint.secret = subscription.secret
        endpoint.status = 500
        _order_events(merchant, [7], [EventKind.ORDER_ALLOCATED])
        assert deliveries_send_due() == {"retrying": 1}
        assert delivery_attempt(delivery_id=EventDelivery.objects.get().pk) == "parked"
        parked = EventDelivery.objects.get()
        assert (parked.status, parked.attempts, parked.last_status) == ("parked", 2, 500)
        assert "HTTP 500" in parked.last_error

        endpoint.status = 200
        endpoint.received.clear()
        _order_events(merchant, [7, 8], [EventKind.ORDER_RELEASED])
        assert deliveries_send_due() == {"delivered": 1}  # order 8 goes; order 7 waits behind its parked event
        assert [r["json"]["resource"]["id"] for r in endpoint.received] == ["8"]

        assert delivery_replay(delivery=parked, actor=user).status == "pending"
        assert deliveries_send_due() == {"delivered": 2}
        assert [r["json"]["kind"] for r in endpoint.of_resource("order", 7)] == ["order.allocated", "order.released"]
        assert delivery_attempt(delivery_id=parked.pk) == "already_delivered"


@pytest.mark.django_db
def test_bulk_replay_reopens_every_parked_delivery_and_a_rotated_secret_signs_the_retry(settings):
    settings.INTEGRATIONS_RETRY_BASE_SECONDS = 0
    settings.INTEGRATIONS_DELIVERY_MAX_ATTEMPTS = 1
    merchant = MerchantFactory()
    with WebhookEndpoint() as endpoint:
        subscription = subscription_create(merchant=merchant, url=endpoint.url, kinds=EventKind.values, actor="test")
        endpoint.status = 302  # a redirect is not followed: it is a failure
        _order_events(merchant, [1, 2, 3], [EventKind.ORDER_SHIPPED])
        deliveries_send_due()
        assert EventDelivery.objects.filter(status="parked").count() == 3
        assert set(EventDelivery.objects.values_list("last_status", flat=True)) == {302}

        subscription = subscription_rotate_secret(subscription=subscription, actor="test")
        endpoint.secret, endpoint.status = subscription.secret, 200
        endpoint.received.clear()
        assert deliveries_replay(deliveries=EventDelivery.objects.filter(subscription=subscription), actor="test") == 3
        assert deliveries_send_due() == {"delivered": 3}
        assert len(endpoint.received) == 3 and all(r["verified"] for r in endpoint.received)


@pytest.mark.django_db
def test_an_inactive_subscription_gets_no_new_deliveries_and_other_merchants_events_never_reach_it():
    a, b = MerchantFactory(), MerchantFactory()
    with WebhookEndpoint() as endpoint:
        mine = subscription_create(merchant=a, url=endpoint.url, kinds=[EventKind.ORDER_SHIPPED], actor="test")
        off = subscription_create(merchant=a, url=endpoint.url, kinds=[EventKind.ORDER_SHIPPED], actor="test")
        EventSubscription.objects.filter(pk=off.pk).update(active=False)
        _order_events(b, [1], [EventKind.ORDER_SHIPPED])
        _order_events(a, [2], [EventKind.ORDER_SHIPPED, EventKind.ORDER_PICKED])
        deliveries_send_due()
        assert list(EventDelivery.objects.values_list("subscription_id", "kind")) == [(mine.pk, "order.shipped")]
        assert [r["json"]["resource"]["id"] for r in endpoint.received] == ["2"]


@pytest.mark.django_db
def test_the_cursor_moves_only_past_settled_events(settings):
    settings.INTEGRATIONS_FANOUT_SETTLE_SECONDS = 30
    merchant = MerchantFactory()
    subscription_create(merchant=merchant, url="https://example.com/h", kinds=EventKind.values, actor="test")
    _order_events(merchant, [1], [EventKind.ORDER_SHIPPED])
    old = DomainEvent.objects.get()
    DomainEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - dt.timedelta(minutes=5))
    # created before the subscription: not delivered, but read past
    _order_events(merchant, [2], [EventKind.ORDER_SHIPPED])
    assert events_fan_out() == 1
    assert EventCursor.objects.get().last_event_id == old.pk  # the fresh event is read again next time
    assert events_fan_out() == 0
    assert EventDelivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_and_a_real_worker_deliver_in_order(settings, celery_worker):
    from integrations.tasks import sweep_events

    merchant = MerchantFactory()
    with WebhookEndpoint() as endpoint:
        subscription = subscription_create(merchant=merchant, url=endpoint.url, kinds=EventKind.values, actor="test")
        endpoint.secret = subscription.secret
        _order_events(merchant, [5, 6], [EventKind.ORDER_ALLOCATED, EventKind.ORDER_RELEASED, EventKind.ORDER_PICKED])
        deadline = time.monotonic() + 30
        while len(endpoint.received) < 6 and time.monotonic() < deadline:
            sweep_events.delay()
            time.sleep(0.5)
        assert len(endpoint.received) == 6
        for order_id in (5, 6):
            assert [r["json"]["kind"] for r in endpoint.of_resource("order", order_id)] == [
                "order.allocated", "order.released", "order.picked"]
        assert all(r["verified"] for r in endpoint.received)
