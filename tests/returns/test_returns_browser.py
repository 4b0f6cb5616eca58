"""A returns processor receives and grades a multi-line return with the keyboard alone, as a wedge scanner
types: the RMA code, each item, a function key for the grade, Enter for the proposed destination."""

import pytest

from inventory.models import BinStock, Condition
from returns.models import ParcelStatus, ReturnParcel, RmaStatus
from returns.services.resolutions import rma_resolve
from returns.services.setup import returns_bins
from tests.browser import login, wait_station_idle
from tests.inventory.invariants import assert_stock_invariants
from tests.returns.factories import build_return_site, gtin_of, open_rma, shipped_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_receive_and_grade_a_multi_line_return_with_the_keyboard_only(live_server, page):
    site = build_return_site(products=3)
    site.processor.set_password("scan-pass-1")
    site.processor.save()
    shirt, mug, hat = site.products
    order = shipped_order(site, [(shirt, 2), (mug, 1)])
    rma = open_rma(site, order, [(shirt, 2), (mug, 1)], resolution="exchange", exchange_sku=hat.sku)

    login(page, live_server.url, site.processor.username, "scan-pass-1")
    page.goto(f"{live_server.url}/returns/station/{site.warehouse.code}/")
    keys = page.keyboard
    keys.type(rma.code + "\n")
    wait_station_idle(page)
    assert page.locator("[data-rma]").inner_text() == rma.code

    result = page.locator("[data-scan-result]")
    for code, grade_key in [(gtin_of(shirt), "F1"), (shirt.sku, "F2"), (gtin_of(mug), "F3")]:
        keys.type(code + "\n")
        wait_station_idle(page)
        assert "grade it" in result.inner_text()
        keys.press(grade_key)
        wait_station_idle(page)
        assert "Enter to confirm" in result.inner_text()
        keys.press("Enter")
        wait_station_idle(page)
        assert result.get_attribute("data-scan-result") == "ok", result.inner_text()

    assert f"Return {rma.number} is graded" in result.inner_text()
    keys.type("1Z7Y4V610300000050\n")  # a UPS number with a wrong check digit: loud, and nothing kept
    wait_station_idle(page)
    assert result.get_attribute("data-scan-result") == "error" and "check digit" in result.inner_text()
    assert not ReturnParcel.objects.filter(status=ParcelStatus.UNMATCHED).exists()

    rma.refresh_from_db()
    assert rma.status == RmaStatus.GRADED
    assert BinStock.objects.get(product=shirt, bin=site.shelves[0], condition=Condition.SELLABLE).qty == 2
    assert BinStock.objects.get(product=mug, bin=returns_bins(site.warehouse).holding, condition=Condition.DAMAGED).qty == 1
    assert_stock_invariants()

    rma = rma_resolve(rma=rma, actor=site.agent)
    assert [(line.sku, line.quantity) for line in rma.replacement_order.lines.all()] == [(hat.sku, 3)]
