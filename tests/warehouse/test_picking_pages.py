"""Pick station, wave board and discrepancy queue pages: who may use them and what they do."""

import uuid

import pytest
from django.urls import reverse

from core import roles
from inventory.models import BinStock
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import CountTask, Discrepancy, PickSession, Wave

pytestmark = pytest.mark.django_db


def post_scan(client, ps, code):
    return client.post(reverse("warehouse:pick_submit", args=[ps.warehouse.code]),
                       {"code": code, "scan_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true")


def test_pick_pages_are_for_pickers_and_managers_only(client):
    ps = build_pick_site()
    for user, allowed in [(ps.picker, {"pick_index"}), (ps.manager, {"pick_index", "wave_board", "discrepancy_queue"}),
                          (UserFactory(role=roles.INVENTORY_CONTROLLER), {"discrepancy_queue"}),
                          (merchant_user(MerchantFactory()), set())]:
        client.force_login(user)
        for name in ("pick_index", "wave_board", "discrepancy_queue"):
            assert client.get(reverse(f"warehouse:{name}")).status_code == (200 if name in allowed else 403), (user, name)


def test_the_station_shows_the_bin_large_then_picks_through_scans(client):
    ps = build_pick_site()
    shirt = product(ps, image_url="https://img.example/shirt.jpg")
    put(shirt, ps.shelves[1], 4)
    released(ps, [(shirt, 2)])
    ps_wave = planned_and_claimed(ps)
    client.force_login(ps.picker)
    page = client.get(reverse("warehouse:pick_station", args=[ps.warehouse.code])).content.decode()
    assert 'data-pick-bin="A-01-02-A"' in page and shirt.sku in page and "shirt.jpg" in page
    assert 'data-scan-key="F2"' in page
    reply = post_scan(client, ps, "BIN:A-01-09-A").content.decode()
    assert 'data-scan-result="error"' in reply and "wrong bin" in reply
    post_scan(client, ps, "BIN:A-01-02-A")
    post_scan(client, ps, "x2")
    reply = post_scan(client, ps, shirt.sku).content.decode()
    assert "Session picked" in reply
    assert BinStock.objects.get(bin=ps_wave.slots.get().tote, product=shirt).qty == 2


def test_enter_at_an_idle_station_claims_the_next_session(client):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 4)
    released(ps, [(shirt, 1)])
    from warehouse.outbound.services.waves import wave_plan

    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    client.force_login(ps.picker)
    reply = post_scan(client, ps, "").content.decode()
    assert "claimed" in reply and 'data-pick-bin="A-01-01-A"' in reply
    assert PickSession.objects.get().picker == ps.picker


def test_a_manager_plans_a_wave_by_hand_and_reassigns_an_abandoned_session(client):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 10)
    first = released(ps, [(shirt, 1)])
    released(ps, [(shirt, 1)])
    client.force_login(ps.manager)
    board = client.get(reverse("warehouse:wave_board"), {"warehouse": ps.warehouse.code}).content.decode()
    assert first.order_number in board
    chosen = first.fulfillment_orders.get().pk
    client.post(reverse("warehouse:wave_create", args=[ps.warehouse.code]), {"strategy": "single", "fulfillment": [chosen]})
    wave = Wave.objects.get()
    assert [s.fulfillment_order_id for s in wave.sessions.get().slots.all()] == [chosen]

    from warehouse.outbound.services.picking import pick_claim_next

    session = pick_claim_next(warehouse=ps.warehouse, actor=ps.picker)
    other = UserFactory(role=roles.PICKER)
    client.post(reverse("warehouse:pick_session_action", args=[session.pk]), {"action": "assign", "picker": other.pk})
    session.refresh_from_db()
    assert session.picker == other
    blank = client.post(reverse("warehouse:pick_session_action", args=[session.pk]), {"reason": " "}, follow=True)
    assert "a reason is required" in blank.content.decode()
    session.refresh_from_db()
    assert session.status == PickSession.Status.CLAIMED
    board = client.post(reverse("warehouse:pick_session_action", args=[session.pk]), {"reason": "cart broke down"}, follow=True)
    session.refresh_from_db()
    assert session.status == PickSession.Status.OPEN and session.release_reason == "cart broke down"
    assert "cart broke down" in board.content.decode()


def test_the_discrepancy_queue_shows_history_and_resolves(client):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 3)
    put(shirt, ps.shelves[4], 3)
    released(ps, [(shirt, 1)])
    session = planned_and_claimed(ps)
    from warehouse.outbound.services.picking import pick_scan

    pick_scan(session=session, raw="BIN:A-01-01-A", actor=ps.picker)
    pick_scan(session=session, raw="CMD:EMPTY", actor=ps.picker)
    discrepancy = Discrepancy.objects.get()
    client.force_login(ps.manager)
    page = client.get(reverse("warehouse:discrepancy_queue")).content.decode()
    assert f"D-{discrepancy.pk}" in page and "Last receipt: 3" in page
    client.post(reverse("warehouse:discrepancy_action", args=[discrepancy.pk]), {"resolution": "recount"})
    task = CountTask.objects.get()
    client.post(reverse("warehouse:count_task_action", args=[task.pk]), {"counted_qty": "2"})
    discrepancy.refresh_from_db()
    assert discrepancy.status == "resolved"
    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).qty == 2
    response = client.post(reverse("warehouse:discrepancy_action", args=[discrepancy.pk]), {"resolution": "found"}, follow=True)
    assert "already resolved" in response.content.decode()


def test_a_manager_releases_batch_release_orders_most_urgent_first(client):
    from orders.models import Order, RoutingPolicy
    from orders.services.allocation import order_allocate
    from tests.orders.factories import order_with_lines

    ps = build_pick_site()
    RoutingPolicy.objects.create(merchant=ps.merchant, release=RoutingPolicy.Release.BATCH)
    shirt = product(ps)
    put(shirt, ps.shelves[0], 10)
    normal = order_with_lines(channel=ps.channel, lines=[(shirt, 1)])
    rush = order_with_lines(channel=ps.channel, lines=[(shirt, 1)], service_level="overnight")
    for order in (normal, rush):
        assert order_allocate(order_id=order.pk).status == Order.Status.ALLOCATED
    client.force_login(ps.manager)
    board = client.get(reverse("warehouse:wave_board"), {"warehouse": ps.warehouse.code}).content.decode()
    assert "data-awaiting-release>2<" in board
    client.post(reverse("warehouse:release_batch", args=[ps.warehouse.code]), {"limit": "1"})
    rush.refresh_from_db()
    normal.refresh_from_db()
    assert (rush.status, normal.status) == (Order.Status.RELEASED, Order.Status.ALLOCATED)


def test_bad_wave_input_is_refused_with_the_reason_and_plans_nothing(client):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    client.force_login(ps.manager)
    url = reverse("warehouse:wave_create", args=[ps.warehouse.code])
    page = client.post(url, {"strategy": "single", "ship_by_before": "next tuesday"}, follow=True).content.decode()
    assert "is not a date and time" in page
    page = client.post(url, {"strategy": "conveyor"}, follow=True).content.decode()
    assert "unknown strategy" in page
    assert not Wave.objects.exists()


def test_only_pickers_can_be_handed_a_session():
    from warehouse.outbound.services.picking import PickRefused, pick_session_assign
    from warehouse.outbound.services.waves import wave_plan

    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    session = wave_plan(warehouse=ps.warehouse, actor=ps.manager).sessions.get()
    with pytest.raises(PickRefused, match="may not pick"):
        pick_session_assign(session=session, picker=UserFactory(role=roles.CUSTOMER_SERVICE), actor=ps.manager)
    session.refresh_from_db()
    assert session.status == PickSession.Status.OPEN and session.picker is None


def test_a_manager_is_not_offered_nor_handed_a_session_and_the_board_asks_for_a_picker(client):
    from warehouse.outbound.services.picking import PickRefused, pick_session_assign
    from warehouse.outbound.services.waves import wave_plan

    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    session = wave_plan(warehouse=ps.warehouse, actor=ps.manager).sessions.get()
    with pytest.raises(PickRefused, match="only pickers"):
        pick_session_assign(session=session, picker=ps.manager, actor=ps.manager)
    client.force_login(ps.manager)
    board = client.get(reverse("warehouse:wave_board"), {"warehouse": ps.warehouse.code}).content.decode()
    assert f'<option value="{ps.picker.pk}">' in board
    assert f'<option value="{ps.manager.pk}">' not in board
    assert '<option value="" selected disabled>Choose a picker</option>' in board
    page = client.post(reverse("warehouse:pick_session_action", args=[session.pk]),
                       {"action": "assign", "picker": ps.manager.pk}, follow=True).content.decode()
    assert "only pickers" in page
    page = client.post(reverse("warehouse:pick_session_action", args=[session.pk]), {"action": "assign"}, follow=True)
    assert page.status_code == 200 and "choose a picker" in page.content.decode()
    session.refresh_from_db()
    assert session.status == PickSession.Status.OPEN and session.picker is None


def test_a_session_is_not_handed_to_a_picker_outside_its_warehouse_or_merchants(client):
    from inventory.models import StaffScope
    from tests.factories import WarehouseFactory
    from warehouse.outbound.services.waves import wave_plan

    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    session = wave_plan(warehouse=ps.warehouse, actor=ps.manager).sessions.get()
    elsewhere = UserFactory(role=roles.PICKER)
    StaffScope.objects.create(user=elsewhere).warehouses.add(WarehouseFactory())
    other_brand = UserFactory(role=roles.PICKER)
    StaffScope.objects.create(user=other_brand).merchants.add(MerchantFactory())
    here = UserFactory(role=roles.PICKER)
    StaffScope.objects.create(user=here).warehouses.add(ps.warehouse)
    client.force_login(ps.manager)
    board = client.get(reverse("warehouse:wave_board"), {"warehouse": ps.warehouse.code}).content.decode()
    assert f'<option value="{here.pk}">' in board and f'<option value="{elsewhere.pk}">' not in board
    for picker, refusal in ((elsewhere, "does not work in warehouse"), (other_brand, "may not pick orders of")):
        page = client.post(reverse("warehouse:pick_session_action", args=[session.pk]),
                           {"action": "assign", "picker": picker.pk}, follow=True).content.decode()
        assert refusal in page
        session.refresh_from_db()
        assert session.status == PickSession.Status.OPEN and session.picker is None
    client.post(reverse("warehouse:pick_session_action", args=[session.pk]), {"action": "assign", "picker": here.pk})
    session.refresh_from_db()
    assert session.status == PickSession.Status.CLAIMED and session.picker == here


@pytest.mark.parametrize("field, value", [("orders_per_session", "abc"), ("orders_per_session", "0"), ("max_orders", "lots")])
def test_a_wave_with_a_number_that_is_not_one_is_refused_and_plans_nothing(client, field, value):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    client.force_login(ps.manager)
    url = reverse("warehouse:wave_create", args=[ps.warehouse.code])
    page = client.post(url, {"strategy": "batch", field: value}, follow=True).content.decode()
    assert f"{field.replace('_', ' ')} must be a whole number" in page
    assert not Wave.objects.exists()
