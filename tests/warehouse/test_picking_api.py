"""Picking over REST, as a handheld does it: claim, scan bin and item, confirm, report failures; and the
manager's side: waves, reassignment, discrepancies and count tasks."""

import uuid

import pytest

from core import roles
from inventory.models import BinStock, Movement, Reservation, StockFlag
from tests.factories import UserFactory, merchant_user
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.models import CountTask, Discrepancy, PickLine, PickSession, PickStrategy, StationScan, Wave
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def ps(roles_ready):
    return build_pick_site()


def planned(ps, strategy=PickStrategy.BATCH) -> Wave:
    return wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=strategy)


def claim(api, ps, user=None) -> dict:
    api.force_authenticate(user or ps.picker)
    response = api.post(f"/api/v1/warehouses/{ps.warehouse.code}/picking/claim/", {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def scan(api, session_id, code, sid=None):
    return api.post(f"/api/v1/pick-sessions/{session_id}/scans/", {"scan_id": str(sid or uuid.uuid4()), "code": code},
                    format="json")


def confirm(api, session_id, line_id, qty, sid=None):
    body = {"scan_id": str(sid or uuid.uuid4()), "line_id": line_id, "qty": qty}
    return api.post(f"/api/v1/pick-sessions/{session_id}/confirm/", body, format="json")


def fail(api, session_id, line_id, kind, found_qty=0):
    body = {"scan_id": str(uuid.uuid4()), "line_id": line_id, "kind": kind, "found_qty": found_qty}
    return api.post(f"/api/v1/pick-sessions/{session_id}/failures/", body, format="json")


def test_a_picker_claims_scans_bin_and_item_and_the_stock_lands_in_the_tote(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[2], 5)
    order = released(ps, [(shirt, 3)])
    planned(ps)

    session = claim(api_client, ps)

    assert (session["status"], session["picker"], session["strategy"]) == ("claimed", ps.picker.username, "batch")
    assert session["slots"] == [{"slot": 1, "tote": "T-001", "fulfillment_order": order.fulfillment_orders.get().pk,
                                 "order_number": order.order_number}]
    line = session["current_line"]
    assert (line["bin"], line["sku"], line["name"], line["qty"], line["remaining"], line["slot"], line["tote"]) == (
        "A-01-03-A", shirt.sku, shirt.name, 3, 3, 1, "T-001")
    assert session["progress"] == {"lines": 1, "lines_done": 0, "units": 3, "units_picked": 0, "units_failed": 0}
    assert claim(api_client, ps)["id"] == session["id"]  # the picker's own session again

    sid = session["id"]
    at_bin = scan(api_client, sid, "BIN:A-01-03-A")
    assert at_bin.status_code == 200 and at_bin.json()["message"] == f"At A-01-03-A: scan 3 x {shirt.sku}"
    item_scan = uuid.uuid4()
    first = scan(api_client, sid, gtin_of(shirt), item_scan)
    again = scan(api_client, sid, gtin_of(shirt), item_scan)
    assert first.json()["data"]["picked"] == 1 and not first.json()["replayed"]
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["message"] == first.json()["message"]
    assert BinStock.objects.get(bin=ps.totes[0], product=shirt).qty == 1  # the retry moved nothing

    middle = api_client.get(f"/api/v1/pick-sessions/{sid}/").json()
    assert middle["current_line"]["remaining"] == 2 and middle["progress"]["units_picked"] == 1
    assert scan(api_client, sid, "x2").json()["data"] == {"pending_qty": 2}
    done = scan(api_client, sid, shirt.sku)
    assert done.json()["data"]["done"] is True and "take the cart to pack-out" in done.json()["message"]

    assert BinStock.objects.get(bin=ps.totes[0], product=shirt).qty == 3
    assert BinStock.objects.get(bin=ps.shelves[2], product=shirt).qty == 2
    reservation = Reservation.objects.get(order_line_id=order.lines.get().pk)
    assert (reservation.qty, reservation.picked_qty) == (0, 3)
    after = api_client.get(f"/api/v1/pick-sessions/{sid}/").json()
    assert after["status"] == "done" and after["current_line"] is None
    assert after["progress"] == {"lines": 1, "lines_done": 1, "units": 3, "units_picked": 3, "units_failed": 0}
    assert StationScan.objects.filter(station="pick").count() == 4
    assert_stock_invariants()


def test_a_wrong_scan_answers_422_with_the_message_and_changes_nothing(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[2], 5)
    released(ps, [(shirt, 2)])
    planned(ps)
    sid = claim(api_client, ps)["id"]
    before = Movement.objects.count()

    for code, words in [
        (gtin_of(shirt), "scan bin A-01-03-A first"),
        ("BIN:A-01-01-A", "wrong bin A-01-01-A: go to A-01-03-A"),
        ("x9", "over-scan"),
    ]:
        response = scan(api_client, sid, code)
        assert response.status_code == 422 and response.json()["ok"] is False
        assert words in response.json()["message"]

    assert Movement.objects.count() == before
    line = PickLine.objects.get()
    assert (line.picked_qty, line.bin_confirmed) == (0, False)
    assert PickSession.objects.get().pending_qty is None


def test_an_app_that_scans_itself_confirms_lines_once_per_scan_id(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 3)])
    planned(ps)
    session = claim(api_client, ps)
    sid, line_id = session["id"], session["current_line"]["id"]

    refused = confirm(api_client, sid, line_id, 1)
    assert refused.status_code == 422 and "scan bin A-01-01-A first" in refused.json()["message"]
    elsewhere = confirm(api_client, sid, line_id + 999, 1)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["message"] == f"pick line {line_id + 999} is not in pick session P-{sid}"
    scan(api_client, sid, "BIN:A-01-01-A")
    once = uuid.uuid4()
    first = confirm(api_client, sid, line_id, 2, once)
    again = confirm(api_client, sid, line_id, 2, once)
    assert first.status_code == 200 and first.json()["message"] == f"Put 2 x {shirt.sku} in slot 1 (T-001): 1 more"
    assert again.json()["replayed"] and PickLine.objects.get().picked_qty == 2
    over = confirm(api_client, sid, line_id, 2)
    assert over.status_code == 422 and "over-scan" in over.json()["message"]

    last = confirm(api_client, sid, line_id, 1)

    assert last.json()["data"]["done"] is True
    assert PickSession.objects.get().status == PickSession.Status.DONE  # pack-out can take the totes
    assert Wave.objects.get().status == Wave.Status.DONE
    assert BinStock.objects.get(bin=ps.totes[0], product=shirt).qty == 3
    assert_stock_invariants()


def test_a_failure_over_the_api_raises_a_discrepancy_and_re_sources_the_line(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 4)
    put(shirt, ps.shelves[5], 6)
    released(ps, [(shirt, 3)])
    planned(ps)
    session = claim(api_client, ps)
    sid = session["id"]

    response = fail(api_client, sid, session["current_line"]["id"], "bin_empty")

    assert response.status_code == 200, response.content
    discrepancy = Discrepancy.objects.get()
    assert response.json()["data"]["discrepancy_id"] == discrepancy.pk
    assert f"D-{discrepancy.pk}" in response.json()["message"] and "A-01-06-A (3)" in response.json()["message"]
    assert (discrepancy.kind, discrepancy.expected_qty, discrepancy.found_qty, discrepancy.reported_by) == (
        "bin_empty", 4, 0, ps.picker)
    assert BinStock.objects.get(bin=ps.shelves[0], product=shirt).is_flagged
    now = api_client.get(f"/api/v1/pick-sessions/{sid}/").json()
    assert (now["current_line"]["bin"], now["current_line"]["remaining"]) == ("A-01-06-A", 3)
    assert now["progress"] == {"lines": 2, "lines_done": 1, "units": 6, "units_picked": 0, "units_failed": 3}

    scan(api_client, sid, "BIN:A-01-06-A")
    short = fail(api_client, sid, now["current_line"]["id"], "short", found_qty=3)
    assert short.status_code == 422 and "scan the items instead" in short.json()["message"]
    assert Discrepancy.objects.count() == 1
    assert confirm(api_client, sid, now["current_line"]["id"], 3).json()["data"]["done"] is True
    assert_stock_invariants()


def test_a_failure_on_the_last_line_with_stock_nowhere_else_backorders_and_finishes_the_session(api_client, ps):
    vase = product(ps)
    put(vase, ps.shelves[2], 2)
    order = released(ps, [(vase, 2)])
    planned(ps)
    session = claim(api_client, ps)

    response = fail(api_client, session["id"], session["current_line"]["id"], "damaged", found_qty=2)

    assert response.json()["ok"] and "backordered" in response.json()["message"]
    assert response.json()["data"]["done"] is True
    assert PickSession.objects.get().status == PickSession.Status.DONE
    order.refresh_from_db()
    assert order.status == "backordered"
    assert_stock_invariants()


def test_another_picker_gets_a_clear_4xx_on_someone_elses_session_and_nothing_changes(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 2)])
    planned(ps)
    session = claim(api_client, ps)
    sid, line_id = session["id"], session["current_line"]["id"]
    intruder = UserFactory(role=roles.PICKER)
    api_client.force_authenticate(intruder)
    before = Movement.objects.count()

    belongs = f"pick session P-{sid} belongs to {ps.picker.username}"
    for response in (scan(api_client, sid, "BIN:A-01-01-A"), confirm(api_client, sid, line_id, 1),
                     fail(api_client, sid, line_id, "bin_empty")):
        assert response.status_code == 422 and response.json()["message"] == belongs
    for response in (api_client.get(f"/api/v1/pick-sessions/{sid}/"),
                     api_client.post(f"/api/v1/pick-sessions/{sid}/release/", {}, format="json")):
        assert response.status_code == 403
        assert response.json()["detail"] == f"pick session P-{sid} is not yours: it belongs to {ps.picker.username}"
    assert api_client.post(f"/api/v1/pick-sessions/{sid}/assign/", {"username": intruder.username},
                           format="json").status_code == 403
    assert api_client.post(f"/api/v1/warehouses/{ps.warehouse.code}/picking/claim/", {}, format="json").status_code == 204

    assert Movement.objects.count() == before and not Discrepancy.objects.exists()
    assert PickSession.objects.get().picker == ps.picker and not PickLine.objects.get().bin_confirmed


@pytest.mark.parametrize("role", [roles.MERCHANT, roles.RECEIVER, roles.PACKER, roles.CUSTOMER_SERVICE])
def test_merchants_and_other_roles_are_refused(api_client, ps, role):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    planned(ps)
    sid = claim(api_client, ps)["id"]
    discrepancy = Discrepancy.objects.create(warehouse=ps.warehouse, product=shirt, bin=ps.shelves[0], kind="short",
                                             expected_qty=5, found_qty=4)
    api_client.force_authenticate(merchant_user(ps.merchant) if role == roles.MERCHANT else UserFactory(role=role))
    code = ps.warehouse.code
    refused = [
        api_client.post(f"/api/v1/warehouses/{code}/picking/claim/", {}, format="json"),
        api_client.get(f"/api/v1/pick-sessions/{sid}/"),
        scan(api_client, sid, "BIN:A-01-01-A"),
        confirm(api_client, sid, 1, 1),
        fail(api_client, sid, 1, "short"),
        api_client.post(f"/api/v1/pick-sessions/{sid}/release/", {}, format="json"),
        api_client.post(f"/api/v1/pick-sessions/{sid}/assign/", {"user_id": 1}, format="json"),
        api_client.post(f"/api/v1/warehouses/{code}/waves/", {}, format="json"),
        api_client.get(f"/api/v1/waves/?warehouse={code}"),
        api_client.get("/api/v1/discrepancies/"),
        api_client.post(f"/api/v1/discrepancies/{discrepancy.pk}/resolve/", {"resolution": "found"}, format="json"),
        api_client.get("/api/v1/count-tasks/"),
        api_client.post("/api/v1/count-tasks/1/complete/", {"counted_qty": 1}, format="json"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert PickSession.objects.get().picker == ps.picker
    assert Discrepancy.objects.get().status == "open" and not StationScan.objects.exists()


def test_release_back_to_the_queue_and_a_manager_assigns_a_picker(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    released(ps, [(shirt, 1)])
    released(ps, [(shirt, 1)])
    planned(ps, strategy=PickStrategy.SINGLE)
    sid = claim(api_client, ps)["id"]

    mine = api_client.post(f"/api/v1/pick-sessions/{sid}/release/", {}, format="json")
    assert mine.status_code == 200 and (mine.json()["status"], mine.json()["picker"]) == ("open", None)
    assert claim(api_client, ps)["id"] == sid

    ops = UserFactory(role=roles.OPS_MANAGER)
    api_client.force_authenticate(ops)
    assert api_client.get(f"/api/v1/pick-sessions/{sid}/").json()["picker"] == ps.picker.username
    assert api_client.post(f"/api/v1/warehouses/{ps.warehouse.code}/picking/claim/", {}, format="json").status_code == 403
    for bad in ({}, {"reason": " "}, {"reason": "r" * 501}, {"reason": "a\x00b"}):
        refused = api_client.post(f"/api/v1/pick-sessions/{sid}/release/", bad, format="json")
        assert refused.status_code == 400 and "reason" in refused.content.decode(), (bad, refused.content)
    assert PickSession.objects.get(pk=sid).picker == ps.picker
    freed = api_client.post(f"/api/v1/pick-sessions/{sid}/release/", {"reason": "picker left the shift"}, format="json")
    assert freed.json()["status"] == "open" and freed.json()["release_reason"] == "picker left the shift"
    again = api_client.post(f"/api/v1/pick-sessions/{sid}/release/", {"reason": "twice"}, format="json")
    assert again.status_code == 409 and "not being picked" in again.json()["detail"]

    other = UserFactory(role=roles.PICKER)
    assign = f"/api/v1/pick-sessions/{sid}/assign/"
    assert api_client.post(assign, {}, format="json").status_code == 400
    assert api_client.post(assign, {"username": "nobody"}, format="json").status_code == 404
    not_a_picker = api_client.post(assign, {"user_id": merchant_user(ps.merchant).pk}, format="json")
    assert not_a_picker.status_code == 400 and "may not pick" in not_a_picker.json()["detail"]
    handed = api_client.post(assign, {"username": other.username}, format="json")
    assert handed.status_code == 200, handed.content
    assert (handed.json()["status"], handed.json()["picker"], handed.json()["slots"][0]["tote"]) == (
        "claimed", other.username, "T-001")
    second = PickSession.objects.exclude(pk=sid).get()
    busy = api_client.post(f"/api/v1/pick-sessions/{second.pk}/assign/", {"user_id": other.pk}, format="json")
    assert busy.status_code == 409 and "already picking another session" in busy.json()["detail"]

    api_client.force_authenticate(other)
    scan(api_client, sid, "BIN:A-01-01-A")
    assert scan(api_client, sid, shirt.sku).json()["data"]["done"] is True
    assert_stock_invariants()


def test_a_manager_plans_a_wave_and_follows_its_sessions(api_client, ps):
    shirt, cap = product(ps), product(ps)
    put(shirt, ps.shelves[0], 10)
    put(cap, ps.shelves[3], 10)
    orders = [released(ps, [(shirt, 1), (cap, 1)]) for _ in range(3)]
    api_client.force_authenticate(ps.manager)
    url = f"/api/v1/warehouses/{ps.warehouse.code}/waves/"
    assert api_client.post(url, {"strategy": "fastest"}, format="json").status_code == 400
    assert api_client.post(url, {"orders_per_session": 30}, format="json").status_code == 400

    response = api_client.post(url, {"strategy": "batch", "orders_per_session": 2}, format="json")

    assert response.status_code == 201, response.content
    wave = response.json()
    assert (wave["warehouse"], wave["strategy"], wave["status"], wave["created_by"]) == (
        ps.warehouse.code, "batch", "open", ps.manager.username)
    assert sorted((s["orders"], s["lines"], s["lines_done"]) for s in wave["sessions"]) == [(1, 2, 0), (2, 4, 0)]
    assert {s.fulfillment_order.order_id for s in PickSession.objects.get(pk=wave["sessions"][0]["id"]).slots.all()} <= {
        o.pk for o in orders}
    nothing = api_client.post(url, {}, format="json")
    assert nothing.status_code == 400 and "no released orders waiting" in nothing.json()["detail"]

    sid = claim(api_client, ps)["id"]
    scan(api_client, sid, "BIN:A-01-01-A")
    scan(api_client, sid, shirt.sku)
    api_client.force_authenticate(UserFactory(role=roles.OPS_MANAGER))
    listed = api_client.get(f"/api/v1/waves/?warehouse={ps.warehouse.code}").json()
    assert listed["count"] == 1
    progress = {s["id"]: (s["status"], s["picker"], s["lines_done"]) for s in listed["results"][0]["sessions"]}
    assert progress[sid] == ("claimed", ps.picker.username, 1)
    assert api_client.get("/api/v1/waves/?warehouse=ELSEWHERE").json()["count"] == 0


def test_a_planned_wave_can_take_exactly_the_chosen_orders(api_client, ps):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 10)
    chosen = released(ps, [(shirt, 1)])
    released(ps, [(shirt, 1)])
    api_client.force_authenticate(ps.manager)
    body = {"strategy": "single", "fulfillment_ids": [chosen.fulfillment_orders.get().pk], "ship_by_before": None}
    wave = api_client.post(f"/api/v1/warehouses/{ps.warehouse.code}/waves/", body, format="json").json()
    session = PickSession.objects.get(pk=wave["sessions"][0]["id"])
    assert len(wave["sessions"]) == 1 and session.slots.get().fulfillment_order.order == chosen


def failed_three_bins(api_client, ps):
    """Three products, each reported bin-empty on its first bin, with stock elsewhere to re-source from."""
    items = [product(ps) for _ in range(3)]
    for n, item in enumerate(items):
        put(item, ps.shelves[n], 4)
        put(item, ps.shelves[n + 4], 6)
    released(ps, [(item, 1) for item in items])
    planned(ps)
    session = claim(api_client, ps)
    for _ in items:
        line = api_client.get(f"/api/v1/pick-sessions/{session['id']}/").json()["current_line"]
        assert fail(api_client, session["id"], line["id"], "bin_empty").json()["ok"]
    return items, {d.product_id: d for d in Discrepancy.objects.all()}


def test_a_manager_resolves_discrepancies_found_adjusted_and_by_recount(api_client, ps):
    (found, adjusted, recount), discrepancies = failed_three_bins(api_client, ps)
    api_client.force_authenticate(ps.picker)
    assert api_client.get("/api/v1/discrepancies/").status_code == 403
    api_client.force_authenticate(UserFactory(role=roles.INVENTORY_CONTROLLER))

    queue = api_client.get(f"/api/v1/discrepancies/?status=open&warehouse={ps.warehouse.code}").json()

    assert queue["count"] == 3
    row = next(r for r in queue["results"] if r["sku"] == found.sku)
    assert (row["kind"], row["bin"], row["expected_qty"], row["found_qty"], row["reported_by"]) == (
        "bin_empty", "A-01-01-A", 4, 0, ps.picker.username)
    assert row["history"]["system_qty"] == 4 and row["history"]["last_receipt"]["kind"] == "receive"
    assert row["history"]["last_picks"] == [] and row["history"]["last_count"] is None
    assert api_client.get("/api/v1/discrepancies/?warehouse=ELSEWHERE").json()["count"] == 0

    resolve = "/api/v1/discrepancies/{}/resolve/".format
    body = {"resolution": "found", "note": "behind the divider"}
    response = api_client.post(resolve(discrepancies[found.pk].pk), body, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["resolution"], response.json()["resolution_note"]) == (
        "resolved", "found", "behind the divider")
    assert not BinStock.objects.get(bin=ps.shelves[0], product=found).is_flagged
    twice = api_client.post(resolve(discrepancies[found.pk].pk), {"resolution": "found"}, format="json")
    assert twice.status_code == 409 and "already resolved" in twice.json()["detail"]

    no_count = api_client.post(resolve(discrepancies[adjusted.pk].pk), {"resolution": "adjusted"}, format="json")
    assert no_count.status_code == 400 and "give the counted quantity in A-01-02-A" in no_count.json()["detail"]
    response = api_client.post(resolve(discrepancies[adjusted.pk].pk), {"resolution": "adjusted", "counted_qty": 1},
                               format="json")
    assert response.json()["resolution"] == "adjusted"
    assert BinStock.objects.get(bin=ps.shelves[1], product=adjusted).qty == 1
    assert Movement.objects.get(kind="adjust", product=adjusted).qty == -3

    response = api_client.post(resolve(discrepancies[recount.pk].pk), {"resolution": "recount"}, format="json")
    assert (response.json()["status"], response.json()["resolution"]) == ("open", "recount")
    task_id = response.json()["count_tasks"][0]
    tasks = api_client.get(f"/api/v1/count-tasks/?status=open&warehouse={ps.warehouse.code}").json()
    assert [(t["id"], t["bin"], t["sku"], t["discrepancy"]) for t in tasks["results"]] == [
        (task_id, "A-01-03-A", recount.sku, discrepancies[recount.pk].pk)]
    assert api_client.post(f"/api/v1/count-tasks/{task_id}/complete/", {"counted_qty": -1}, format="json").status_code == 400

    counted = api_client.post(f"/api/v1/count-tasks/{task_id}/complete/", {"counted_qty": 0}, format="json")

    assert counted.status_code == 200
    assert (counted.json()["status"], counted.json()["system_qty"], counted.json()["counted_qty"]) == ("done", 4, 0)
    discrepancy = Discrepancy.objects.get(pk=discrepancies[recount.pk].pk)
    assert (discrepancy.status, discrepancy.resolution) == ("resolved", "recount")
    assert not BinStock.objects.filter(bin=ps.shelves[2], product=recount, qty__gt=0).exists()
    assert CountTask.objects.get().status == "done"
    assert not StockFlag.objects.filter(cleared_at__isnull=True).exists()
    assert api_client.get("/api/v1/discrepancies/?status=open").json()["count"] == 0
    assert api_client.post(f"/api/v1/count-tasks/{task_id}/complete/", {"counted_qty": 0}, format="json").status_code == 409
    assert_stock_invariants()
