"""The returns station, in Chromium, carries on after a poison scan, a doubled Enter, a quantity it does not
take and a bin typed as shown (no prefix): each refusal says what to scan next, and the unit is restocked
into the bin typed."""

import pytest

from inventory.models import BinStock, Condition
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
from tests.returns.factories import build_return_site, gtin_of, open_rma, shipped_order
from warehouse.models import StationScan

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_returns_station_carries_on(live_server, page):
    site = build_return_site(products=2)
    site.processor.set_password("scan-pass-1")
    site.processor.save()
    shirt, _ = site.products
    order = shipped_order(site, [(shirt, 1)])
    rma = open_rma(site, order, [(shirt, 1)])
    login(page, live_server.url, site.processor.username, "scan-pass-1")
    page.goto(f"{live_server.url}/returns/station/{site.warehouse.code}/")
    scan(page, rma.code)
    send_poison_scans(page)

    sent = StationScan.objects.count()
    press_doubled_enter(page)
    assert StationScan.objects.count() <= sent + 1  # at most one Enter reaches the station

    scan(page, "x5")
    text = assert_refused(page)
    assert "scan" in text.lower(), text  # says what to scan instead
    assert_no_pending_quantity(page)

    scan(page, gtin_of(shirt))
    kind, text = station_result(page)
    assert kind == "ok" and "grade it" in text, text
    page.keyboard.press("F1")
    wait_station_idle(page)
    shelf = site.shelves[1]
    scan(page, shelf.code.lower())  # the bin as shown, without BIN:, in any case
    kind, text = station_result(page)
    assert kind == "ok" and shelf.code in text, text
    assert BinStock.objects.get(product=shirt, bin=shelf, condition=Condition.SELLABLE).qty == 1
