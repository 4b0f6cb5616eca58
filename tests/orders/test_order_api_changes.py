"""The order API changes an order by the customer-service page's rules: address, lines, service level, cancel,
holds; each allowed and refused by the order's stage, refusals change nothing, other merchants get 404."""

import pytest

from core import roles
from inventory.models import Reservation
from orders.models import Order, OrderEvent, OrderHold
from orders.services.shipment_events import order_mark_shipped
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user
from tests.orders.factories import order_with_lines
from tests.warehouse.cancelling import warehouse_acts_on_cancels
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.outbound.services.picking import pick_claim_next
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/{}/{}"


def snapshot(order) -> tuple:
    """Everything a refused change must leave as it was."""
    row = Order.objects.filter(pk=order.pk).values().get()
    row.pop("updated_at")
    lines = sorted(order.lines.values_list("sku", "quantity", "cancelled_qty"))
    holds = sorted(OrderHold.objects.filter(order=order).values_list("kind", "released_at"))
    reserved = sorted(reservations(order).values_list("product_id", "warehouse_id", "qty", "picked_qty"))
    statuses = sorted(order.fulfillment_orders.values_list("status", flat=True))
    return row, lines, holds, reserved, statuses, OrderEvent.objects.filter(order=order).count()


def reservations(order):
    return Reservation.objects.filter(order_line_id__in=order.lines.values("pk"))


def reserved_by_sku(order) -> dict[str, int]:
    sku = dict(order.lines.values_list("pk", "sku"))
    return {sku[line_id]: qty for line_id, qty in reservations(order).values_list("order_line_id", "qty")}


@pytest.fixture
def site(roles_ready):
    ps = build_pick_site()
    shirt = product(ps, sku="SHIRT")
    hat = product(ps, sku="HAT")
    put(shirt, ps.shelves[0], 10)
    put(hat, ps.shelves[1], 10)
    ps.shirt, ps.hat = shirt, hat
    return ps


@pytest.fixture
def client_of(api_client, site):
    api_client.force_authenticate(merchant_user(site.merchant))
    return api_client


def post(client, order, action, data, method="post"):
    return getattr(client, method)(URL.format(order.pk, action), data, format="json")


# --- address ----------------------------------------------------------------------------------------


def test_address_is_corrected_before_picking_and_after_picking_until_the_label(client_of, site):
    early = released(site, [(site.hat, 1)])
    response = post(client_of, early, "address/", {"ship_to": {"line2": "Apt 4", "region": "new jersey"}, "reason": "buyer wrote"})
    assert response.status_code == 200, response.json()
    assert (response.json()["ship_line2"], response.json()["ship_region"]) == ("Apt 4", "NJ")
    assert any(event["message"].startswith("Address corrected") for event in response.json()["timeline"])
    picking = released(site, [(site.shirt, 1)])
    planned_and_claimed(site)
    response = post(client_of, picking, "address/", {"ship_to": {"line2": "Apt 5"}}, method="patch")
    assert response.status_code == 200 and response.json()["ship_line2"] == "Apt 5"
    assert reservations(picking).get().qty == 1  # picking goes on where it is


@pytest.mark.parametrize("ship_to,field", [
    ({"country": "USA"}, "country"), ({"postal_code": "x" * 30}, "postal_code"), ({}, "ship_to"), ({"city": ""}, "city"),
])
def test_malformed_address_is_400_with_the_field_and_changes_nothing(client_of, site, ship_to, field):
    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    response = post(client_of, order, "address/", {"ship_to": ship_to})
    assert response.status_code == 400 and field in str(response.json())
    assert snapshot(order) == before


def test_an_address_the_carrier_rules_refuse_is_400_with_the_reason_and_changes_nothing(client_of, site):
    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    response = post(client_of, order, "address/", {"ship_to": {"postal_code": "ABCDE"}})
    assert response.status_code == 400 and "not a valid US ZIP code" in response.json()["detail"]
    assert snapshot(order) == before


def test_address_after_shipping_is_409_with_the_reason(client_of, site):
    order = released(site, [(site.shirt, 1)])
    order_mark_shipped(order=order, fulfillment_order=order.fulfillment_orders.get(), carrier="UPS", service="Ground",
                       tracking_number="1Z999AA10123456784", actor="packer")
    before = snapshot(order)
    response = post(client_of, order, "address/", {"ship_to": {"line2": "Apt 4"}})
    assert response.status_code == 409 and "cannot be edited: the order is shipped" in response.json()["detail"]
    assert snapshot(order) == before


# --- lines ------------------------------------------------------------------------------------------


def test_lines_changed_added_and_removed_before_picking_with_reservations_following(client_of, site):
    order = released(site, [(site.shirt, 2)])
    response = post(client_of, order, "lines/", {"lines": [{"sku": "SHIRT", "quantity": 3}, {"sku": "HAT", "quantity": 1}]})
    assert response.status_code == 200, response.json()
    assert {line["sku"]: line["quantity"] for line in response.json()["lines"]} == {"SHIRT": 3, "HAT": 1}
    assert reserved_by_sku(order) == {"SHIRT": 3, "HAT": 1}
    response = post(client_of, order, "lines/", {"lines": [{"sku": "HAT", "quantity": 0}]}, method="patch")
    assert response.status_code == 200
    hat = next(line for line in response.json()["lines"] if line["sku"] == "HAT")
    assert hat["cancelled_qty"] == 1


@pytest.mark.parametrize("lines,code,words", [
    ([{"sku": "SHIRT", "quantity": -1}], 400, "lines"),
    ([], 400, "lines"),
    ([{"sku": "SHIRT", "quantity": 1}, {"sku": "SHIRT", "quantity": 2}], 400, "repeated"),
    ([{"sku": "NOPE", "quantity": 1}], 400, "unknown SKU NOPE"),
    ([{"sku": "SHIRT", "quantity": 0}], 400, "at least one line"),
])
def test_bad_line_changes_are_400_and_change_nothing(client_of, site, lines, code, words):
    order = released(site, [(site.shirt, 2)])
    before = snapshot(order)
    response = post(client_of, order, "lines/", {"lines": lines})
    assert response.status_code == code and words in str(response.json())
    assert snapshot(order) == before


def test_line_edits_are_409_once_in_a_wave_or_picking_and_change_nothing(client_of, site):
    order = released(site, [(site.shirt, 1)])
    wave_plan(warehouse=site.warehouse, actor=site.manager)
    before = snapshot(order)
    actions = client_of.get(f"/api/v1/orders/{order.pk}/").json()["actions"]
    assert actions["edit_lines"]["allowed"] is False and "pick wave" in actions["edit_lines"]["reason"]
    assert actions["cancel"]["allowed"] is True and actions["edit_address"]["allowed"] is True
    response = post(client_of, order, "lines/", {"lines": [{"sku": "SHIRT", "quantity": 2}]})
    assert response.status_code == 409 and "pick wave" in response.json()["detail"]
    assert snapshot(order) == before
    pick_claim_next(warehouse=site.warehouse, actor=site.picker)
    before = snapshot(order)
    response = post(client_of, order, "lines/", {"lines": [{"sku": "SHIRT", "quantity": 2}]})
    assert response.status_code == 409 and "picking has started" in response.json()["detail"]
    response = post(client_of, order, "service-level/", {"service_level": "overnight"})
    assert response.status_code == 409 and "picking has started" in response.json()["detail"]
    assert snapshot(order) == before


# --- service level ----------------------------------------------------------------------------------


def test_service_level_changes_priority_before_picking(client_of, site):
    order = released(site, [(site.shirt, 1)])
    response = post(client_of, order, "service-level/", {"service_level": "overnight", "reason": "upgrade paid"})
    assert response.status_code == 200, response.json()
    assert (response.json()["service_level"], response.json()["priority"]) == ("overnight", 20)
    assert any("Service level standard → overnight" in event["message"] for event in response.json()["timeline"])
    before = snapshot(order)
    response = post(client_of, order, "service-level/", {"service_level": "teleport"}, method="patch")
    assert response.status_code == 400 and "service_level" in response.json()
    assert snapshot(order) == before


# --- cancel -----------------------------------------------------------------------------------------


def test_cancel_at_once_is_200_and_a_repeat_answers_the_same(client_of, site):
    order = order_with_lines(channel=site.channel, lines=[(site.shirt, 1)])
    first = post(client_of, order, "cancel/", {"reason": "duplicate"})
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    events = OrderEvent.objects.filter(order=order).count()
    again = post(client_of, order, "cancel/", {"reason": "duplicate"})
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert OrderEvent.objects.filter(order=order).count() == events


def test_cancel_with_warehouse_work_is_202_until_the_warehouse_reports_then_200(client_of, site):
    order = released(site, [(site.shirt, 2)])
    wave_plan(warehouse=site.warehouse, actor=site.manager)
    first = post(client_of, order, "cancel/", {"reason": "fraud"})
    assert first.status_code == 202 and first.json()["status"] != "cancelled"
    assert first.json()["timeline"][-1]["kind"] == "cancel_requested"
    before = snapshot(order)
    again = post(client_of, order, "cancel/", {"reason": "fraud"})
    assert again.status_code == 202 and snapshot(order) == before
    warehouse_acts_on_cancels(order)
    done = post(client_of, order, "cancel/", {"reason": "fraud"})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


def test_cancel_after_shipping_is_409_and_changes_nothing(client_of, site):
    order = released(site, [(site.shirt, 1)])
    order_mark_shipped(order=order, fulfillment_order=order.fulfillment_orders.get(), carrier="UPS", service="Ground",
                       tracking_number="1Z999AA10123456784", actor="packer")
    before = snapshot(order)
    response = post(client_of, order, "cancel/", {"reason": "too late"})
    assert response.status_code == 409 and "already shipped" in response.json()["detail"]
    assert snapshot(order) == before


# --- holds ------------------------------------------------------------------------------------------


def test_hold_placed_and_released_and_listed_on_the_detail(client_of, site):
    order = released(site, [(site.shirt, 1)])
    placed = post(client_of, order, "holds/", {"reason": "customer asked to wait"})
    assert placed.status_code == 201 and placed.json()["status"] == "on_hold"
    before = snapshot(order)
    again = post(client_of, order, "holds/", {"reason": "customer asked to wait"})
    assert again.status_code == 201 and snapshot(order) == before  # a repeat places no second hold
    assert reservations(order).filter(qty__gt=0).count() == 0
    detail = client_of.get(f"/api/v1/orders/{order.pk}/").json()
    assert [(h["kind"], h["reason"], h["released_at"]) for h in detail["holds"]] == [("manual", "customer asked to wait", None)]
    released_ = post(client_of, order, "holds/release/", {"kind": "manual", "reason": "go ahead"})
    assert released_.status_code == 200 and released_.json()["status"] != "on_hold"
    assert released_.json()["holds"][0]["release_reason"] == "go ahead"


def test_hold_refusals_are_409_or_400_and_change_nothing(client_of, site):
    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    for data, code, words in [
        ({"kind": "manual"}, 400, "reason"),
        ({"kind": "unknown_sku", "reason": "x"}, 400, "kind"),
    ]:
        response = post(client_of, order, "holds/", data)
        assert response.status_code == code and words in str(response.json())
    response = post(client_of, order, "holds/release/", {"kind": "manual", "reason": "x"})
    assert response.status_code == 409 and "has no open manual hold" in response.json()["detail"]
    assert snapshot(order) == before
    planned_and_claimed(site)
    before = snapshot(order)
    response = post(client_of, order, "holds/", {"reason": "wait"})
    assert response.status_code == 409 and "is being picked" in response.json()["detail"]
    assert snapshot(order) == before


def test_a_system_hold_whose_cause_remains_is_not_released(client_of, site):
    order = order_with_lines(channel=site.channel, lines=[(site.shirt, 1)], payment_status="pending")
    OrderHold.objects.create(order=order, kind="payment_pending", reason="payment is pending")
    before = snapshot(order)
    response = post(client_of, order, "holds/release/", {"kind": "payment_pending", "reason": "trust me"})
    assert response.status_code == 409 and "cannot release" in response.json()["detail"]
    assert snapshot(order) == before


# --- scoping and roles ------------------------------------------------------------------------------


@pytest.mark.parametrize("action,data", [
    ("address/", {"ship_to": {"line2": "x"}}), ("lines/", {"lines": [{"sku": "SHIRT", "quantity": 5}]}),
    ("service-level/", {"service_level": "overnight"}), ("cancel/", {}), ("holds/", {"reason": "x"}),
    ("holds/release/", {"kind": "manual", "reason": "x"}),
])
def test_another_merchants_order_answers_404_and_changes_nothing(api_client, site, action, data):
    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    other = MerchantFactory(code="bloom")
    ProductFactory(merchant=other, sku="SHIRT")
    api_client.force_authenticate(merchant_user(other))
    assert post(api_client, order, action, data).status_code == 404
    api_client.force_authenticate(UserFactory(role=roles.PICKER))
    assert post(api_client, order, action, data).status_code == 403
    assert snapshot(order) == before


def test_staff_with_order_intake_may_change_any_merchants_order(api_client, site):
    order = released(site, [(site.shirt, 1)])
    api_client.force_authenticate(UserFactory(role=roles.CUSTOMER_SERVICE))
    response = post(api_client, order, "holds/", {"kind": "fraud_review", "reason": "card flagged"})
    assert response.status_code == 201 and response.json()["holds"][0]["kind"] == "fraud_review"


def test_the_schema_documents_the_new_paths_with_their_answers(api_client, roles_ready):
    api_client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for action in ("address", "lines", "service-level", "cancel", "holds", "holds/release"):
        operation = schema["paths"][f"/api/v1/orders/{{id}}/{action}/"]["post"]
        assert {"400", "404", "409"} <= set(operation["responses"]), action
        assert "requestBody" in operation
    assert {"200", "202"} <= set(schema["paths"]["/api/v1/orders/{id}/cancel/"]["post"]["responses"])


@pytest.mark.parametrize("action", ["address/", "lines/", "service-level/", "cancel/", "holds/", "holds/release/"])
@pytest.mark.parametrize("data", [
    [1, 2], "text", None, {"ship_to": [1], "lines": "SHIRT", "service_level": {"a": 1}, "reason": ["x"], "kind": 7},
    {"lines": [{"sku": "SHIRT", "quantity": "many"}], "ship_to": {"country": None}, "reason": "x" * 600},
])
def test_hostile_bodies_are_400_never_500_and_change_nothing(client_of, site, action, data):
    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    response = post(client_of, order, action, data)
    assert response.status_code == 400, response.json()
    assert snapshot(order) == before


@pytest.mark.parametrize("data", [{}, {"reason": "   "}, {"reason": "r" * 501}, {"reason": "a\x00b"}])
def test_cancelling_needs_a_reason_over_the_api_and_the_page(client, client_of, site, data):
    from django.urls import reverse

    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    response = post(client_of, order, "cancel/", data)
    assert response.status_code == 400 and "reason" in response.json(), response.json()
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    page = client.post(reverse("orders:order_action", args=[order.pk]), {"action": "cancel", **data}, follow=True)
    assert page.status_code == 200 and "reason" in page.content.decode()
    assert snapshot(order) == before and Order.objects.get(pk=order.pk).status != Order.Status.CANCELLED


def test_a_cancel_reason_is_on_the_order_timeline(client, site):
    from django.urls import reverse

    order = released(site, [(site.shirt, 1)])
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    page = client.post(reverse("orders:order_action", args=[order.pk]),
                       {"action": "cancel", "reason": "customer ordered twice"}, follow=True)
    assert "customer ordered twice" in page.content.decode()
    assert OrderEvent.objects.filter(order=order, message__contains="customer ordered twice").exists()


def test_a_role_without_orders_may_not_cancel_on_the_page(client, site):
    from django.urls import reverse

    order = released(site, [(site.shirt, 1)])
    before = snapshot(order)
    client.force_login(UserFactory(role=roles.PICKER))
    response = client.post(reverse("orders:order_action", args=[order.pk]), {"action": "cancel", "reason": "nope"})
    assert response.status_code == 403 and snapshot(order) == before
