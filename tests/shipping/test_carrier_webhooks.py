"""Carrier tracking pushed by webhook: verified with the account's secret on the raw body, size-limited, fed to
the same tracking service as the poller, so a scan lands once whether polled, pushed or pushed twice; a delivery
exception or a return to sender reaches the timeline and the storefront (a real local Shopify peer)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from orders.models import Order, OrderEvent, OutboxMessage
from orders.selectors import outbox_due_ids
from orders.services.outbox import outbox_deliver
from shipping.carrier_webhooks import sign
from shipping.models import CarrierWebhookAccount, Shipment, TrackingEvent
from shipping.services.tracking import tracking_record
from tests.orders.factories import storefront_channel
from tests.orders.test_adapters import _order
from tests.peers.storefront import StorefrontPeer
from tests.shipping.test_tracking_updates import shipped_order

pytestmark = pytest.mark.django_db
SECRET = "whsec-carrier-1"


@pytest.fixture
def account():
    return CarrierWebhookAccount.objects.create(code="easypost-main", carrier="EasyPost", secret=SECRET)


def tracker(number, *scans):
    """A tracker.updated Event as the shipping API sends it; scans are (status, message, minutes ago)."""
    now = timezone.now()
    details = [{"status": status, "message": message, "tracking_location": {"city": "Newark", "state": "NJ"},
                "datetime": (now - dt.timedelta(minutes=ago)).replace(microsecond=0).isoformat()}
               for status, message, ago in scans]
    return json.dumps({"object": "Event", "description": "tracker.updated",
                       "result": {"object": "Tracker", "tracking_code": number, "tracking_details": details}}).encode()


def post(client, body, *, signature=None, account="easypost-main"):
    return client.post(f"/webhooks/carriers/{account}/", data=body, content_type="application/json",
                       headers={"X-Hmac-Signature": sign(SECRET, body) if signature is None else signature})


def state(shipment, order):
    shipment.refresh_from_db()
    order.refresh_from_db()
    return (shipment.status, order.status, TrackingEvent.objects.filter(shipment=shipment).count(),
            OrderEvent.objects.filter(order=order).count(), OutboxMessage.objects.count())


def test_a_pushed_delivery_moves_the_shipment_and_order_and_a_replay_changes_nothing(client, account):
    order, shipment = shipped_order()
    body = tracker(shipment.tracking_number, ("in_transit", "Picked up", 120), ("delivered", "Left at front door", 5))
    response = post(client, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "recorded", "shipment_status": "delivered"}
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED and order.status == Order.Status.DELIVERED
    before = state(shipment, order)
    assert post(client, body).status_code == 200  # the carrier's retry, or a replay by whoever saw it
    assert state(shipment, order) == before


def test_forged_unknown_account_oversized_and_malformed_deliveries_are_refused_and_change_nothing(client, account, settings):
    order, shipment = shipped_order()
    before = state(shipment, order)
    body = tracker(shipment.tracking_number, ("delivered", "Delivered", 5))
    assert post(client, body, signature="hmac-sha256-hex=" + "0" * 64).status_code == 401
    assert post(client, body, signature="").status_code == 401
    assert post(client, body, signature=sign("another-secret", body)).status_code == 401
    assert post(client, body + b" ", signature=sign(SECRET, body)).status_code == 401  # the body is what is signed
    assert post(client, body, account="nope").status_code == 401  # unknown accounts look like bad signatures
    CarrierWebhookAccount.objects.filter(pk=account.pk).update(is_active=False)
    assert post(client, body).status_code == 401
    CarrierWebhookAccount.objects.filter(pk=account.pk).update(is_active=True)
    settings.CARRIER_WEBHOOK_MAX_BYTES = 200
    assert post(client, body).status_code == 413
    settings.CARRIER_WEBHOOK_MAX_BYTES = 256 * 1024
    for bad in (b"[]", b"{not json", json.dumps({"result": {"tracking_code": "1Z\x00"}}).encode(),
                json.dumps({"result": {"tracking_code": "X", "tracking_details": [{"status": "delivered"}]}}).encode(),
                json.dumps({"result": {"tracking_code": "X", "tracking_details": [
                    {"status": "delivered", "datetime": "yesterday"}]}}).encode(),
                json.dumps({"result": {"tracking_code": "X", "tracking_details": [
                    {"status": 5, "datetime": "2026-01-01T00:00:00Z"}]}}).encode()):
        assert post(client, bad).status_code == 400, bad
    assert state(shipment, order) == before


def test_an_unknown_tracking_number_is_acknowledged_and_changes_nothing(client, account):
    order, shipment = shipped_order()
    before = state(shipment, order)
    response = post(client, tracker("1ZUNKNOWN0000000", ("delivered", "Delivered", 5)))
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert state(shipment, order) == before


def test_a_scan_polled_and_pushed_lands_once(client, account):
    from shipping.carriers.base import TrackingEvent as Scan
    from shipping.carriers.base import TrackingStatus

    order, shipment = shipped_order()
    at = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    polled = [Scan(status=TrackingStatus.EXCEPTION, description="Address not found", occurred_at=at)]
    tracking_record(shipment_id=shipment.pk, events=polled)  # what the poller records
    body = json.dumps({"result": {"tracking_code": shipment.tracking_number, "tracking_details": [
        {"status": "failure", "message": "Address not found", "datetime": at.isoformat()}]}}).encode()
    assert post(client, body).status_code == 200
    assert OrderEvent.objects.filter(order=order, kind="delivery_exception").count() == 1
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.EXCEPTION


def test_an_exception_and_a_return_to_sender_reach_the_timeline_and_the_shopify_peer_once(client, account):
    order, shipment = shipped_order()
    with StorefrontPeer("shopify") as peer:
        data = _order("shopify", 0)
        peer.add_order(data)
        fulfillment_id = "gid://shopify/Fulfillment/77"
        peer.fulfillments[str(data["id"])] = [{
            "id": fulfillment_id, "displayStatus": "FULFILLED", "deliveredAt": None, "lines": {}, "events": [],
            "trackingInfo": [{"company": shipment.carrier, "number": shipment.tracking_number, "url": None}]}]
        Order.objects.filter(pk=order.pk).update(channel=storefront_channel(peer), external_id=str(data["id"]))

        attempted = tracker(shipment.tracking_number, ("in_transit", "Picked up", 300),
                            ("failure", "Delivery attempted, nobody home", 60))
        assert post(client, attempted).status_code == 200
        assert post(client, attempted).status_code == 200  # sent again: nothing new
        returned = tracker(shipment.tracking_number, ("return_to_sender", "Refused by the recipient", 10))
        assert post(client, returned).status_code == 200

        messages = list(OutboxMessage.objects.filter(order=order, kind="exception").order_by("sequence"))
        assert [m.payload["status"] for m in messages] == ["exception", "return_to_sender"]
        assert [e.kind for e in OrderEvent.objects.filter(order=order, kind__in=["delivery_exception", "returned_to_sender"])
                .order_by("pk")] == ["delivery_exception", "returned_to_sender"]
        for _ in range(2):  # each round delivers what is due; the second message waits for the first
            assert [outbox_deliver(message_id=pk) for pk in outbox_due_ids()] == ["sent"]
        events = [u for u in peer.updates_for(data["id"]) if u["kind"] == "fulfillment_event"]
        assert [(e["fulfillment"], e["status"]) for e in events] == [
            (fulfillment_id, "ATTEMPTED_DELIVERY"), (fulfillment_id, "FAILURE")]
        shipment.refresh_from_db()
        assert shipment.status == Shipment.Status.EXCEPTION
