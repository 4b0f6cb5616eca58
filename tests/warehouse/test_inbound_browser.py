"""A receiver receives a PO and puts it away with the keyboard alone, as a wedge scanner types."""

import pytest

from inventory.models import BinStock, Condition
from layout.models import Zone
from tests.browser import login, wait_station_idle
from tests.factories import BinFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import build_site, gtin_of, make_po, new_product
from warehouse.models import PurchaseOrder, PutawayStep, Receipt, StationScan

pytestmark = pytest.mark.django_db(transaction=True)


def test_receive_and_put_away_with_the_keyboard_only(live_server, page):
    site = build_site(capacity=50)
    site.receiver.set_password("scan-pass-1")
    site.receiver.save()
    plain, lotted = new_product(site), new_product(site)
    po = make_po(site, [(plain, 6), (lotted, 4)], number="PO-KB1", over_receipt_tolerance_pct=0)
    elsewhere = WarehouseFactory()
    BinFactory(zone=ZoneFactory(warehouse=elsewhere, kind=Zone.Kind.RECEIVING), code="DOCK-7", kind="dock")

    login(page, live_server.url, site.receiver.username, "scan-pass-1")
    page.goto(f"{live_server.url}/warehouse/receiving/")
    keys = page.keyboard
    # Typed faster than the server answers: the station queues them and applies them in order.
    for raw in ["PO:PO-KB1", gtin_of(plain), gtin_of(plain), gtin_of(plain)[1:], "x3", plain.sku,
                f"(01){gtin_of(lotted)}(17)271231(10)LOT-7(37)4"]:
        keys.type(raw + "\n")
    wait_station_idle(page)
    assert "Received 4 x" in page.locator("[data-scan-result]").inner_text()
    line = po.lines.get(product=plain)
    assert line.received_qty == 6

    # Bad scans: a loud error in the station, nothing changed.
    keys.type("BIN:DOCK-7\n")
    wait_station_idle(page)
    result = page.locator("[data-scan-result]")
    assert result.get_attribute("data-scan-result") == "error" and f"warehouse {elsewhere.code}" in result.inner_text()
    keys.type(plain.sku + "\n")
    wait_station_idle(page)
    assert "over tolerance" in page.locator('[data-scan-result="error"]').inner_text()
    keys.type("40000000000001\n")  # a GTIN with a wrong check digit
    wait_station_idle(page)
    assert "check digit" in page.locator('[data-scan-result="error"]').inner_text()
    assert po.lines.get(product=plain).received_qty == 6
    assert page.locator(f'[data-line-sku="{plain.sku}"] [data-received]').inner_text() == "6"

    keys.type("CMD:DONE\n")
    wait_station_idle(page)
    assert "2 putaway task(s)" in page.locator("[data-scan-result]").inner_text()
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.RECEIVED

    page.goto(f"{live_server.url}/warehouse/putaway/{site.warehouse.code}/")
    keys.press("Enter")  # next task
    wait_station_idle(page)
    first_bin = page.locator("[data-suggested-bin]").get_attribute("data-suggested-bin")
    assert first_bin
    keys.type(f"BIN:{first_bin}\n")
    keys.press("Enter")  # queued behind the confirm: takes the second task
    wait_station_idle(page)
    suggested = page.locator("[data-suggested-bin]").get_attribute("data-suggested-bin")
    override = next(b.code for b in site.shelves if b.code not in (suggested, first_bin))
    keys.type(f"BIN:{override}\n")
    wait_station_idle(page)
    assert "Why?" in page.locator("[data-scan-result]").inner_text()
    keys.type("2\n")  # reason: suggested bin blocked
    wait_station_idle(page)
    assert "Task done" in page.locator("[data-scan-result]").inner_text()

    stock = {(r.bin.code, r.product_id): r for r in BinStock.objects.filter(qty__gt=0).select_related("bin")}
    assert not any(code == site.dock.code for code, _ in stock)
    landed = {key[0]: row for key, row in stock.items()}
    assert set(landed) == {first_bin, override}
    lot_row = next(r for r in landed.values() if r.product_id == lotted.pk)
    assert (lot_row.lot, str(lot_row.expiry), lot_row.condition) == ("LOT-7", "2027-12-31", Condition.SELLABLE)
    assert sum(r.qty for r in landed.values()) == 10
    assert PutawayStep.objects.get(to_bin__code=override).override_reason == "bin_blocked"
    assert Receipt.objects.get(purchase_order=po).dock_to_stock_seconds is not None
    assert_stock_invariants()


def test_a_poison_scan_a_failed_scan_or_a_lost_connection_never_jams_the_station(live_server, page):
    site = build_site(capacity=50)
    site.receiver.set_password("scan-pass-1")
    site.receiver.save()
    item = new_product(site)
    po = make_po(site, [(item, 6)], number="PO-JAM")
    login(page, live_server.url, site.receiver.username, "scan-pass-1")
    page.goto(f"{live_server.url}/warehouse/receiving/")
    keys = page.keyboard
    keys.type("PO:PO-JAM\n")
    wait_station_idle(page)
    result = page.locator("[data-scan-result]")

    # Poison scans: refused at the station with a message, and the good scan behind them is applied.
    keys.type("A" * 81 + "\n")
    page.evaluate("""() => { const input = document.querySelector('[data-scan-input]');
        input.value = 'AB\\u0000CD'; input.form.requestSubmit(); }""")
    keys.type(item.sku + "\n")
    wait_station_idle(page)
    assert result.get_attribute("data-scan-result") == "ok" and "Received 1 x" in result.inner_text()
    assert po.lines.get().received_qty == 1
    assert set(StationScan.objects.filter(ok=False).values_list("message", flat=True)) == {
        "the scan is too long to be a label or barcode (81 characters, at most 80): scan the label again",
        "the scan cannot be read: it holds a control character (a stuck key or a bad scanner setting); scan the label again",
    }

    # A doubled Enter on the empty input sends nothing.
    sent = StationScan.objects.count()
    keys.press("Enter")
    keys.press("Enter")
    wait_station_idle(page)
    assert StationScan.objects.count() == sent

    # The server fails a scan: shown as an error, and the queue goes on.
    failures = []

    def fail_once(route):
        failures.append(route.request.url)
        route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>")

    page.route("**/warehouse/receiving/scan/", fail_once, times=1)
    keys.type(item.sku + "\n")
    keys.type(item.sku + "\n")
    wait_station_idle(page)
    assert len(failures) == 1
    assert po.lines.get().received_qty == 2
    page.wait_for_function("() => document.querySelectorAll('[data-scan-result]').length > 0")
    assert result.get_attribute("data-scan-result") == "ok"

    # The connection is lost: the scan is kept through a reload and applied once it is back.
    page.route("**/warehouse/receiving/scan/", lambda route: route.abort("internetdisconnected"))
    keys.type(item.sku + "\n")
    page.wait_for_function("() => (localStorage.getItem('scan-station-queue:' + "
                           "document.querySelector('[data-scan-form]').action) || '').includes('" + item.sku + "')")
    page.reload()
    page.wait_for_function("() => document.querySelector('[data-station]').dataset.pending === '1'")
    assert po.lines.get().received_qty == 2
    page.unroute("**/warehouse/receiving/scan/")
    wait_station_idle(page, timeout=30_000)
    assert po.lines.get().received_qty == 3
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('scan-station-queue:')).length") == 0
