"""Webhooks over REST (merchant tokens, operations staff) and in the merchant portal: subscribe, change, rotate the
secret, disable, see deliveries, replay one or all parked; bad input answers 400 and changes nothing; a merchant
never sees or touches another merchant's subscriptions, deliveries or events."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core import roles
from core.events import event_record
from core.models import AuditEntry, EventKind
from integrations.models import EventDelivery, EventSubscription
from integrations.services.delivery import events_fan_out
from integrations.services.subscriptions import subscription_create
from inventory.models import StaffScope
from tests.factories import MerchantFactory, UserFactory, merchant_user

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def parked_delivery(merchant, subscription, resource_id=1, kind=EventKind.ORDER_SHIPPED) -> EventDelivery:
    event = event_record(kind, merchant_id=merchant.pk, resource_type="order", resource_id=resource_id,
                         payload={"order_number": f"#{resource_id}"})
    return EventDelivery.objects.create(subscription=subscription, event=event, merchant=merchant, kind=kind,
                                        resource_key=f"order:{resource_id}", status="parked", attempts=8,
                                        last_status=500, last_error="HTTP 500")


def test_a_merchant_token_subscribes_changes_rotates_and_replays(roles_ready):
    merchant = MerchantFactory()
    client = api_as(merchant_user(merchant))
    created = client.post("/api/v1/event-subscriptions/", {
        "url": "https://erp.example.com/wms", "kinds": ["order.shipped", "stock.changed"], "description": "ERP",
    }, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["merchant"] == merchant.code and body["kinds"] == ["order.shipped", "stock.changed"]
    assert body["secret"].startswith("whsec_") and body["active"] is True
    pk = body["id"]

    listed = client.get("/api/v1/event-subscriptions/").json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    changed = client.patch(f"/api/v1/event-subscriptions/{pk}/", {"kinds": ["order.delivered"], "active": False},
                           format="json")
    assert changed.status_code == 200 and changed.json()["kinds"] == ["order.delivered"]
    assert changed.json()["active"] is False
    rotated = client.post(f"/api/v1/event-subscriptions/{pk}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"] and rotated["secret_rotated_at"]
    assert EventSubscription.objects.get(pk=pk).secret == rotated["secret"]
    assert AuditEntry.objects.filter(action="secret_rotated", object_id=str(pk)).exists()

    subscription = EventSubscription.objects.get(pk=pk)
    first, second = parked_delivery(merchant, subscription, 1), parked_delivery(merchant, subscription, 2)
    deliveries = client.get("/api/v1/event-deliveries/?status=parked").json()
    assert deliveries["count"] == 2 and deliveries["results"][0]["last_status"] == 500
    replayed = client.post(f"/api/v1/event-deliveries/{first.pk}/replay/")
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending" and replayed.json()["attempts"] == 0
    assert client.post("/api/v1/event-deliveries/replay/", {"subscription": pk}, format="json").json() == {"replayed": 1}
    second.refresh_from_db()
    assert second.status == "pending"
    EventDelivery.objects.filter(pk=first.pk).update(status="delivered")
    assert client.post(f"/api/v1/event-deliveries/{first.pk}/replay/").status_code == 409

    events = client.get("/api/v1/events/").json()
    assert [e["resource"]["id"] for e in events["results"]] == ["1", "2"]
    after = client.get(f"/api/v1/events/?after={events['results'][0]['id']}").json()
    assert [e["data"]["order_number"] for e in after["results"]] == ["#2"]


@pytest.mark.parametrize("body", [
    {"url": "ftp://erp.example.com/x", "kinds": ["order.shipped"]},
    {"url": "https://erp.example.com/x", "kinds": ["order.teleported"]},
    {"url": "https://erp.example.com/x", "kinds": []},
    {"url": "https://erp.example.com/x", "kinds": "order.shipped"},
    {"url": "https://erp.example.com/\x00", "kinds": ["order.shipped"]},
    {"url": "https://erp.example.com/x", "kinds": ["order.shipped"], "description": "x" * 201},
    {"url": "http://" + "a" * 600, "kinds": ["order.shipped"]},
    {"kinds": ["order.shipped"]},
    {"url": "https://erp.example.com/x", "kinds": ["order.shipped"], "merchant": "someone-else"},
])
def test_bad_input_answers_400_and_creates_nothing(roles_ready, body):
    client = api_as(merchant_user(MerchantFactory()))
    response = client.post("/api/v1/event-subscriptions/", body, format="json")
    assert response.status_code in (400, 403), response.content  # another merchant named: 403, as everywhere
    assert not EventSubscription.objects.exists()


@pytest.mark.parametrize("query", ["status=nope", "status=\x00", "kind=order.teleported", "subscription=abc",
                                   "subscription=-1", "subscription=99999999999999999999999"])
def test_bad_filters_answer_400(roles_ready, query):
    client = api_as(merchant_user(MerchantFactory()))
    assert client.get(f"/api/v1/event-deliveries/?{query}").status_code == 400
    assert client.get("/api/v1/events/?after=x").status_code == 400


def test_a_merchant_sees_and_touches_nothing_of_another_merchants_webhooks(roles_ready):
    a, b = MerchantFactory(), MerchantFactory()
    theirs = subscription_create(merchant=b, url="https://b.example.com/h", kinds=["order.shipped"], actor="test")
    delivery = parked_delivery(b, theirs, 9)
    secret = theirs.secret
    client = api_as(merchant_user(a))
    assert client.get("/api/v1/event-subscriptions/").json()["count"] == 0
    assert client.get("/api/v1/event-deliveries/").json()["count"] == 0
    assert client.get("/api/v1/events/").json()["count"] == 0
    assert client.get(f"/api/v1/event-subscriptions/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/event-subscriptions/{theirs.pk}/", {"active": False}, format="json").status_code == 404
    assert client.post(f"/api/v1/event-subscriptions/{theirs.pk}/rotate-secret/").status_code == 404
    assert client.post(f"/api/v1/event-deliveries/{delivery.pk}/replay/").status_code == 404
    assert client.post("/api/v1/event-deliveries/replay/", {"subscription": theirs.pk}, format="json").json() == {
        "replayed": 0}
    theirs.refresh_from_db()
    delivery.refresh_from_db()
    assert (theirs.secret, theirs.active, delivery.status) == (secret, True, "parked")

    portal = Client()
    portal.force_login(merchant_user(a))
    assert portal.get(reverse("portal:webhook_detail", args=[theirs.pk])).status_code == 404
    assert portal.post(reverse("portal:webhook_action", args=[theirs.pk, "rotate"])).status_code == 404
    assert portal.post(reverse("portal:webhook_delivery_replay", args=[delivery.pk])).status_code == 404
    assert "b.example.com" not in portal.get(reverse("portal:webhook_list")).content.decode()
    theirs.refresh_from_db()
    assert theirs.secret == secret


def test_operations_see_every_merchants_webhooks_within_their_scope(roles_ready):
    a, b = MerchantFactory(), MerchantFactory()
    for merchant in (a, b):
        subscription = subscription_create(merchant=merchant, url=f"https://{merchant.code}.example.com/h",
                                           kinds=["order.shipped"], actor="test")
        parked_delivery(merchant, subscription)
    ops = UserFactory(role=roles.OPS_MANAGER)
    client = api_as(ops)
    assert client.get("/api/v1/event-subscriptions/").json()["count"] == 2
    assert client.get("/api/v1/event-deliveries/").json()["count"] == 2
    assert client.post("/api/v1/event-deliveries/replay/", {}, format="json").json() == {"replayed": 2}
    made = client.post("/api/v1/event-subscriptions/", {"url": "https://ops.example.com/h", "kinds": ["order.picked"],
                                                       "merchant": a.code}, format="json")
    assert made.status_code == 201 and made.json()["merchant"] == a.code
    scoped = UserFactory(role=roles.OPS_MANAGER)
    StaffScope.objects.create(user=scoped).merchants.set([a])
    assert api_as(scoped).get("/api/v1/event-subscriptions/").json()["count"] == 2  # a's two
    assert api_as(scoped).get("/api/v1/events/").json()["count"] == 1
    assert api_as(UserFactory(role=roles.PICKER)).get("/api/v1/event-subscriptions/").status_code == 403


def test_the_portal_subscribes_shows_the_secret_rotates_disables_and_replays(roles_ready):
    merchant = MerchantFactory()
    portal = Client()
    portal.force_login(merchant_user(merchant))
    page = portal.get(reverse("portal:webhook_list"))
    assert page.status_code == 200 and "order.shipped" in page.content.decode()
    refused = portal.post(reverse("portal:webhook_list"), {"url": "file:///etc/passwd", "kinds": ["order.shipped"]})
    assert refused.status_code == 200 and "http:// or https://" in refused.content.decode()
    assert not EventSubscription.objects.exists()
    made = portal.post(reverse("portal:webhook_list"), {"url": "https://erp.example.com/h",
                                                        "kinds": ["order.shipped", "return.graded"]})
    subscription = EventSubscription.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("portal:webhook_detail", args=[subscription.pk])
    assert subscription.kinds == ["order.shipped", "return.graded"] and subscription.merchant == merchant
    detail = portal.get(made["Location"]).content.decode()
    assert subscription.secret in detail

    portal.post(reverse("portal:webhook_action", args=[subscription.pk, "rotate"]))
    old = subscription.secret
    subscription.refresh_from_db()
    assert subscription.secret != old
    portal.post(reverse("portal:webhook_action", args=[subscription.pk, "disable"]))
    subscription.refresh_from_db()
    assert subscription.active is False
    event_record(EventKind.ORDER_SHIPPED, merchant_id=merchant.pk, resource_type="order", resource_id=3)
    events_fan_out()
    assert not EventDelivery.objects.exists()  # disabled: no new deliveries
    portal.post(reverse("portal:webhook_action", args=[subscription.pk, "enable"]))

    first, second = parked_delivery(merchant, subscription, 1), parked_delivery(merchant, subscription, 2)
    listed = portal.get(reverse("portal:webhook_detail", args=[subscription.pk]) + "?status=parked").content.decode()
    assert f'data-delivery="{first.pk}"' in listed and "HTTP 500" in listed
    portal.post(reverse("portal:webhook_delivery_replay", args=[first.pk]))
    first.refresh_from_db()
    assert first.status == "pending"
    portal.post(reverse("portal:webhook_action", args=[subscription.pk, "replay"]))
    second.refresh_from_db()
    assert second.status == "pending"
    assert portal.post(reverse("portal:webhook_action", args=[subscription.pk, "explode"])).status_code == 302
