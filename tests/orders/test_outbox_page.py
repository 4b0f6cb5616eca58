"""The operator view of storefront updates that did not get through: who may see it, what it shows,
and Retry sending a parked update again (through a real Celery worker, to a real local storefront)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from orders.models import OrderEvent, OutboxMessage
from orders.services.shipment_events import order_mark_delivered
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.orders.factories import OutboxMessageFactory
from tests.orders.test_outbox import released_order, ship, stocked_channel, sweep_until_quiet
from tests.peers.storefront import StorefrontPeer


def parked(**kwargs):
    return OutboxMessageFactory(status="failed", attempts=8, last_error="POST /v2/orders/1/shipments answered 503: down",
                                **kwargs)


@pytest.mark.django_db
def test_only_order_staff_see_the_outbox(client):
    url = reverse("orders:outbox")
    assert client.get(url).status_code == 302
    client.force_login(merchant_user(MerchantFactory()))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role=roles.PICKER))
    assert client.get(url).status_code == 403
    message = parked()
    assert client.post(reverse("orders:outbox_retry", args=[message.pk])).status_code == 403
    assert OutboxMessage.objects.get(pk=message.pk).status == "failed"
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_page_lists_parked_and_waiting_updates_with_their_error_in_a_fixed_number_of_queries(client):
    client.force_login(UserFactory(role=roles.OPS_MANAGER))
    first = parked()
    waiting = OutboxMessageFactory(order=first.order, sequence=first.sequence + 1, kind="delivered")
    OutboxMessageFactory(status="sent")
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("orders:outbox")).content.decode()
    assert first.order.order_number in page and "Failed, parked for an operator" in page
    assert "answered 503: down" in page
    assert "waiting for an earlier update" in page
    assert page.count("<button>Retry</button>") == 1, "the waiting update goes when the parked one does"
    assert reverse("orders:outbox_retry", args=[first.pk]) in page
    assert reverse("orders:outbox_retry", args=[waiting.pk]) not in page
    for _ in range(5):
        parked()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("orders:outbox"))
    assert len(many) == len(few)


@pytest.mark.django_db
def test_retrying_an_update_already_sent_is_refused_with_a_message(client):
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    sent = OutboxMessageFactory(status="sent", attempts=1)
    response = client.post(reverse("orders:outbox_retry", args=[sent.pk]), follow=True)
    assert "was already sent" in response.content.decode()
    assert OutboxMessage.objects.get(pk=sent.pk).attempts == 1


@pytest.mark.django_db
def test_the_admin_lists_updates_and_retries_a_parked_one(admin_client):
    message = parked()
    assert message.order.order_number in admin_client.get("/admin/orders/outboxmessage/").content.decode()
    admin_client.post("/admin/orders/outboxmessage/", {"action": "retry", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)


@pytest.mark.django_db(transaction=True)
def test_a_parked_update_shows_up_and_retry_delivers_it_and_the_one_waiting_behind_it(client, settings, celery_worker):
    settings.ORDERS_OUTBOX_RETRY_BASE_SECONDS = 0.1
    settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS = 0.2
    settings.ORDERS_OUTBOX_MAX_ATTEMPTS = 2
    with StorefrontPeer("bigcommerce") as peer:
        order = released_order(peer, stocked_channel(peer))
        wait_for(lambda: OutboxMessage.objects.filter(order=order, status="sent").count() == 1)
        peer.go_down()
        ship(order)
        order_mark_delivered(order=order, actor="carrier")
        shipped = OutboxMessage.objects.get(order=order, kind="shipped")
        wait_for(lambda: OutboxMessage.objects.get(pk=shipped.pk).status == "failed")
        assert OutboxMessage.objects.get(order=order, kind="delivered").attempts == 0
        assert OrderEvent.objects.filter(order=order, kind="storefront_sync_failed").exists()

        client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
        page = client.get(reverse("orders:outbox")).content.decode()
        assert order.order_number in page and "answered 503" in page

        peer.come_up()
        client.post(reverse("orders:outbox_retry", args=[shipped.pk]))
        wait_for(lambda: not OutboxMessage.objects.filter(order=order).exclude(status="sent").exists())
        assert [u["kind"] for u in peer.updates_for(order.external_id)] == ["shipment", "status"]
        assert peer.updates_for(order.external_id)[-1]["status_id"] == 10
        assert OrderEvent.objects.filter(order=order, kind="storefront_sync_retried").exists()
        assert "Nothing waiting" in client.get(reverse("orders:outbox")).content.decode()
    sweep_until_quiet()  # nothing left for the beat sweep either


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")
