"""Idempotency-Key on the order change API: a retried change is answered from the first answer and never
applied twice; a key re-used for another request is refused and changes nothing; keys belong to their caller."""

import pytest
from rest_framework.test import APIClient

from orders.models import ChangeRequestKey, OrderEvent, OrderHold
from tests.concurrency import run_in_threads
from tests.factories import merchant_user
from tests.orders.test_order_api_changes import snapshot
from tests.warehouse.picking import build_pick_site, product, put, released

URL = "/api/v1/orders/{}/{}"


@pytest.fixture
def site(transactional_db):
    from core.roles import ensure_roles

    ensure_roles()
    ps = build_pick_site()
    ps.shirt = product(ps, sku="SHIRT")
    put(ps.shirt, ps.shelves[0], 10)
    ps.user = merchant_user(ps.merchant)
    return ps


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def send(client, order, action, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL.format(order.pk, action), data, format="json", **headers)


def corrections(order) -> int:
    return OrderEvent.objects.filter(order=order, message__startswith="Address corrected").count()


def test_a_retried_change_replays_the_first_answer_and_is_applied_once(site):
    client = client_for(site.user)
    order = released(site, [(site.shirt, 1)])
    body = {"ship_to": {"line2": "Apt 4"}, "reason": "buyer wrote"}
    first = send(client, order, "address/", body, key="edit-1")
    again = send(client, order, "address/", body, key="edit-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert corrections(order) == 1


def test_a_late_retry_does_not_undo_a_later_change(site):
    client = client_for(site.user)
    order = released(site, [(site.shirt, 1)])
    send(client, order, "address/", {"ship_to": {"line2": "Apt 4"}, "reason": "buyer wrote"}, key="edit-1")
    send(client, order, "address/", {"ship_to": {"line2": "Apt 5"}, "reason": "buyer wrote again"}, key="edit-2")
    late = send(client, order, "address/", {"ship_to": {"line2": "Apt 4"}, "reason": "buyer wrote"}, key="edit-1")
    assert late.status_code == 200 and late.json()["ship_line2"] == "Apt 4"  # the first answer, replayed
    order.refresh_from_db()
    assert order.ship_line2 == "Apt 5" and corrections(order) == 2


def test_a_hold_retried_after_its_release_is_not_placed_again(site):
    client = client_for(site.user)
    order = released(site, [(site.shirt, 1)])
    placed = send(client, order, "holds/", {"reason": "customer asked to wait"}, key="hold-1")
    assert placed.status_code == 201
    assert send(client, order, "holds/release/", {"kind": "manual", "reason": "go"}, key="release-1").status_code == 200
    retry = send(client, order, "holds/", {"reason": "customer asked to wait"}, key="hold-1")
    assert retry.status_code == 201 and retry.json() == placed.json()
    assert OrderHold.objects.filter(order=order, released_at__isnull=True).count() == 0
    assert OrderHold.objects.filter(order=order).count() == 1


def test_a_key_used_for_another_request_is_refused_and_changes_nothing(site):
    client = client_for(site.user)
    order = released(site, [(site.shirt, 1)])
    other = released(site, [(site.shirt, 1)])
    assert send(client, order, "address/", {"ship_to": {"line2": "A"}, "reason": "r"}, key="k").status_code == 200
    before, before_other = snapshot(order), snapshot(other)
    for target, action, body in [
        (order, "address/", {"ship_to": {"line2": "B"}, "reason": "r"}),  # another body
        (order, "holds/", {"reason": "r"}),  # another endpoint
        (other, "address/", {"ship_to": {"line2": "A"}, "reason": "r"}),  # another order
    ]:
        response = send(client, target, action, body, key="k")
        assert response.status_code == 422 and response.json()["error"] == "idempotency_conflict"
    assert snapshot(order) == before and snapshot(other) == before_other


def test_a_refused_change_keeps_no_key_so_a_retry_is_judged_again(site):
    client = client_for(site.user)
    order = released(site, [(site.shirt, 1)])
    refused = send(client, order, "holds/release/", {"kind": "manual", "reason": "x"}, key="rel")
    assert refused.status_code == 409
    assert not ChangeRequestKey.objects.filter(key="rel").exists()
    send(client, order, "holds/", {"reason": "wait"})
    assert send(client, order, "holds/release/", {"kind": "manual", "reason": "x"}, key="rel").status_code == 200


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "a\x01b"])
def test_a_malformed_key_is_refused_before_anything_changes(site, key):
    client = client_for(site.user)
    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    response = client.post(URL.format(order.pk, "holds/"), {"reason": "r"}, format="json",
                           headers={"Idempotency-Key": key})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert snapshot(order) == before


def test_keys_belong_to_their_caller_and_another_merchants_order_is_404(site):
    from tests.factories import MerchantFactory

    order = released(site, [(site.shirt, 1)])
    stranger = client_for(merchant_user(MerchantFactory()))
    assert send(stranger, order, "holds/", {"reason": "r"}, key="same").status_code == 404
    assert not ChangeRequestKey.objects.exists()
    assert send(client_for(site.user), order, "holds/", {"reason": "r"}, key="same").status_code == 201


def test_the_same_key_sent_twice_at_once_applies_the_change_once(site):
    order = released(site, [(site.shirt, 1)])
    body = {"ship_to": {"line2": "Apt 9"}, "reason": "buyer wrote"}

    def attempt(_):
        response = send(client_for(site.user), order, "address/", body, key="race")
        return response.status_code, response.json()["ship_line2"]

    results = run_in_threads(attempt, 2)
    assert results == [(200, "Apt 9"), (200, "Apt 9")], results
    assert corrections(order) == 1
