"""A two-zone order picked by two pickers at their own stations, consolidated and packed at the pack station,
with the keyboard alone."""

import pytest

from inventory.models import BinStock
from shipping.models import Shipment
from tests.browser import login, wait_station_idle
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.consolidating import two_zone_site, zone_order
from tests.warehouse.inbound import gtin_of
from warehouse.models import Pack, PickSession

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "floor-pass-1"


def result(page) -> tuple[str, str]:
    box = page.locator("[data-scan-result]")
    return box.get_attribute("data-scan-result"), box.inner_text()


def pick_everything(page, gtins: dict[str, str]) -> None:
    keys = page.keyboard
    for _ in range(10):
        target = page.locator("[data-pick-bin]")
        if not target.count():
            break
        bin_code = target.get_attribute("data-pick-bin")
        qty = int(page.locator("[data-pick-qty]").inner_text())
        sku = page.locator("[data-pick-sku]").inner_text()
        keys.type(f"BIN:{bin_code}\n" + (f"x{qty}\n" if qty > 1 else "") + f"{gtins[sku]}\n")
        wait_station_idle(page)
        assert result(page)[0] == "ok", result(page)
    assert "Session picked" in result(page)[1]


def test_a_two_zone_order_is_picked_by_two_pickers_consolidated_and_packed_with_the_keyboard_alone(live_server, browser, page):
    site = two_zone_site()
    for user in (*site.pickers, site.packer):
        user.set_password(PASSWORD)
        user.save()
    order, shirt, lamp, wave = zone_order(site)
    gtins = {shirt.sku: gtin_of(shirt), lamp.sku: gtin_of(lamp)}
    base = live_server.url

    # Two pickers, each at their own station (own browser context), take the two zone sessions.
    stations = []
    for picker in site.pickers:
        context = browser.new_context(viewport={"width": 412, "height": 915})
        station = context.new_page()
        login(station, base, picker.username, PASSWORD)
        station.goto(f"{base}/warehouse/picking/{site.warehouse.code}/")
        station.keyboard.press("Enter")  # take the next session
        wait_station_idle(station)
        assert "claimed (1 order(s))" in result(station)[1], result(station)
        stations.append(station)
    sessions = {s.picker_id: s for s in PickSession.objects.filter(wave=wave)}
    assert {s.zone.code for s in sessions.values()} == {"STOR", "MEZZ"}
    totes = {picker.pk: sessions[picker.pk].slots.get().tote for picker in site.pickers}

    pick_everything(stations[0], gtins)  # the first zone is done, the second not yet

    login(page, base, site.packer.username, PASSWORD)
    page.goto(f"{base}/warehouse/packing/{site.warehouse.code}/{site.pack.code}/")
    keys = page.keyboard
    first_tote, second_tote = totes[site.pickers[0].pk], totes[site.pickers[1].pk]
    keys.type(f"TOTE:{first_tote.code}\n")
    wait_station_idle(page)
    status, words = result(page)
    assert status == "error" and "still being picked" in words, words
    assert not Pack.objects.exists()

    pick_everything(stations[1], gtins)
    for station in stations:
        station.context.close()

    keys.type(f"TOTE:{first_tote.code}\n")
    wait_station_idle(page)
    assert f"scan the other tote(s): {second_tote.code}" in result(page)[1], result(page)
    assert page.locator(f'[data-pack-tote="{second_tote.code}"]').get_attribute("data-arrived") == "no"
    keys.type(f"{gtins[shirt.sku]}\n")  # packing before the last tote is in: refused
    wait_station_idle(page)
    status, words = result(page)
    assert status == "error" and second_tote.code in words, words
    keys.press("F9")  # close and label: refused too
    wait_station_idle(page)
    assert result(page)[0] == "error"
    assert not Shipment.objects.exists()

    keys.type(f"TOTE:{second_tote.code}\n")
    wait_station_idle(page)
    assert "all 2 totes" in result(page)[1], result(page)
    assert page.locator('[data-pack-tote][data-arrived="yes"]').count() == 2
    keys.type(f"x2\n{gtins[shirt.sku]}\n{gtins[lamp.sku]}\n")
    wait_station_idle(page)
    assert "all packed" in result(page)[1], result(page)
    keys.press("F9")
    wait_station_idle(page)
    assert result(page)[0] == "ok", result(page)
    shipment = Shipment.objects.get()
    assert page.locator(f'[data-label="{shipment.tracking_number}"]').count() == 1
    assert {(item.product_id, item.qty) for item in shipment.carton.items.all()} == {(shirt.pk, 2), (lamp.pk, 1)}
    assert not BinStock.objects.filter(bin__in=[first_tote, second_tote], qty__gt=0).exists()
    assert_stock_invariants()
