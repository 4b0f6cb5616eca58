"""Every warehouse scan station, in Chromium, carries on after a poison scan, a doubled Enter, a bin or tote
typed as the screen shows it (no prefix) and a refused quantity: each refusal says what to scan next, a
refused quantity is forgotten, and the next good scan is applied."""

import pytest

from core import roles
from tests.browser import (
    assert_no_pending_quantity,
    assert_refused,
    login,
    press_doubled_enter,
    scan,
    send_poison_scans,
    station_result,
    wait_station_idle,
)
from tests.factories import UserFactory
from tests.warehouse.inbound import build_site, gtin_of, make_po, new_product
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.inbound.services.receiving import receipt_close, receipt_open, receiving_scan
from warehouse.models import (
    CartonItem,
    Pack,
    PickLine,
    PickSession,
    PickStrategy,
    PutawayTask,
    ReceivingException,
    StationScan,
)
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db(transaction=True)


def _user(user, password="scan-pass-1"):
    user.set_password(password)
    user.save()
    return user


def test_receiving_carries_on(live_server, page):
    site = build_site(capacity=50)
    item = new_product(site)
    po = make_po(site, [(item, 5)], number="PO-ON", over_receipt_tolerance_pct=0)
    login(page, live_server.url, _user(site.receiver).username, "scan-pass-1")
    page.goto(f"{live_server.url}/warehouse/receiving/")
    scan(page, "PO:PO-ON")
    send_poison_scans(page)

    sent = StationScan.objects.count()
    press_doubled_enter(page)
    assert StationScan.objects.count() == sent  # an empty Enter is never a scan here

    scan(page, site.dock.code.lower())  # the dock as shown, without BIN:, in any case
    kind, text = station_result(page)
    assert kind == "ok" and f"Receiving into dock {site.dock.code}" in text, text
    assert not ReceivingException.objects.exists()  # not taken for an unknown barcode

    scan(page, "x9")
    assert page.locator("[data-pending-qty]").count() >= 1
    scan(page, item.sku)  # 9 is over the PO's 5 with no tolerance
    assert_refused(page, "over tolerance")
    assert_no_pending_quantity(page)
    scan(page, item.sku)
    kind, text = station_result(page)
    assert kind == "ok" and "Received 1 x" in text, text
    assert po.lines.get().received_qty == 1


def test_putaway_carries_on(live_server, page):
    site = build_site(capacity=50)
    item = new_product(site)
    po = make_po(site, [(item, 4)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    receiving_scan(receipt=receipt, raw="x4", actor=site.receiver)
    receiving_scan(receipt=receipt, raw=item.sku, actor=site.receiver)
    receipt_close(receipt=receipt, actor=site.receiver)
    login(page, live_server.url, _user(site.receiver).username, "scan-pass-1")
    page.goto(f"{live_server.url}/warehouse/putaway/{site.warehouse.code}/")

    sent = StationScan.objects.count()
    press_doubled_enter(page)  # Enter takes the next task: a doubled Enter takes one, once
    assert StationScan.objects.count() == sent + 1
    task = PutawayTask.objects.get(status=PutawayTask.Status.CLAIMED)
    send_poison_scans(page)

    scan(page, "x99")
    assert_refused(page, "only 4 left")
    assert_no_pending_quantity(page)
    scan(page, "x2")
    assert page.locator("[data-pending-qty]").count() >= 1
    scan(page, "NOT-THIS-ITEM")
    assert_refused(page, "wrong item", item.sku)
    assert_no_pending_quantity(page)
    task.refresh_from_db()
    assert task.pending_qty is None

    suggested = page.locator("[data-suggested-bin]").get_attribute("data-suggested-bin")
    assert suggested
    scan(page, suggested)  # the bin as shown on screen, without BIN:
    kind, text = station_result(page)
    assert kind == "ok", text
    task.refresh_from_db()
    assert task.put_qty == 4 and task.status == PutawayTask.Status.DONE


def test_picking_carries_on(live_server, page):
    ps = build_pick_site()
    shirt, other = product(ps, name="Shirt"), product(ps, name="Other")
    put(shirt, ps.shelves[2], 5)
    released(ps, [(shirt, 3)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=PickStrategy.BATCH)
    login(page, live_server.url, _user(ps.picker).username, "scan-pass-1")
    page.goto(f"{live_server.url}/warehouse/picking/{ps.warehouse.code}/")

    sent = StationScan.objects.count()
    press_doubled_enter(page)  # take the next session, once
    assert StationScan.objects.count() == sent + 1
    session = PickSession.objects.get(status=PickSession.Status.CLAIMED, picker=ps.picker)
    send_poison_scans(page)

    scan(page, gtin_of(shirt))  # the item before its bin: the refusal names the bin to scan
    assert_refused(page, f"scan bin {ps.shelves[2].code} first")
    scan(page, ps.shelves[2].code)  # the bin as shown, without BIN:
    kind, text = station_result(page)
    assert kind == "ok" and f"At {ps.shelves[2].code}" in text, text

    scan(page, "x9")
    assert_refused(page, "over-scan", "3 x")
    assert_no_pending_quantity(page)
    scan(page, "x2")
    assert page.locator("[data-pending-qty]").count() >= 1
    scan(page, gtin_of(other))
    assert_refused(page, "wrong item", shirt.sku)
    assert_no_pending_quantity(page)
    session.refresh_from_db()
    assert session.pending_qty is None

    scan(page, gtin_of(shirt))
    kind, text = station_result(page)
    assert kind == "ok" and f"Put 1 x {shirt.sku}" in text, text
    assert PickLine.objects.get().picked_qty == 1


def test_packing_carries_on(live_server, page):
    ps = build_pick_site()
    carton_types()
    shirt, stranger = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    packer = _user(UserFactory(role=roles.PACKER))
    login(page, live_server.url, packer.username, "scan-pass-1")
    page.goto(f"{live_server.url}/warehouse/packing/{ps.warehouse.code}/{ps.pack.code}/")
    send_poison_scans(page)

    sent = StationScan.objects.count()
    press_doubled_enter(page)
    assert StationScan.objects.count() == sent

    scan(page, tote.code.lower())  # the tote as shown, without TOTE:, in any case
    kind, text = station_result(page)
    assert kind == "ok" and f"Packing {order.order_number}" in text, text

    scan(page, "x5")
    assert page.locator("[data-pending-qty]").count() >= 1
    scan(page, gtin_of(stranger))
    assert_refused(page, "wrong item")
    assert_no_pending_quantity(page)
    assert Pack.objects.get().pending_qty is None
    scan(page, gtin_of(shirt))
    kind, text = station_result(page)
    assert kind == "ok", text
    assert CartonItem.objects.get().qty == 1


def test_the_station_page_is_not_kept_for_back_and_forward(live_server, page):
    ps = build_pick_site()
    login(page, live_server.url, _user(ps.picker).username, "scan-pass-1")
    for path in (f"/warehouse/picking/{ps.warehouse.code}/", f"/warehouse/putaway/{ps.warehouse.code}/",
                 "/warehouse/receiving/"):
        response = page.goto(f"{live_server.url}{path}")
        if response.status == 200:
            assert "no-store" in response.headers["cache-control"], path
            wait_station_idle(page)


@pytest.mark.django_db(transaction=False)
def test_the_packer_sees_the_totes_and_orders_waiting_at_pack_out(client, roles_ready):
    ps = build_pick_site()
    carton_types()
    order, tote = picked(ps, [(product(ps), 1)])
    client.force_login(UserFactory(role=roles.PACKER))
    page = client.get("/warehouse/packing/").content.decode()
    assert f'data-tote="{tote.code}"' in page and order.order_number in page
    from warehouse.outbound.services.pack_station import pack_station_scan_step

    packer = UserFactory(role=roles.PACKER)
    pack_station_scan_step(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    page = client.get("/warehouse/packing/").content.decode()
    assert f'data-tote="{tote.code}"' not in page  # being packed: no longer waiting
