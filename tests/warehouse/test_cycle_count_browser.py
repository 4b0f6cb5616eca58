"""A counter counts a bin blind at the count station with the keyboard alone; the variance is over the
tolerance, and a manager approves it, with the keyboard alone, on the review page."""

import pytest

from inventory.models import Movement, StockLevel
from tests.browser import login, wait_station_idle
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.counting import build_count_site, held
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import product, put
from warehouse.control.services.count_plans import count_request
from warehouse.models import CountTask

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_blind_count_at_the_station_and_its_variance_approved(live_server, page, browser):
    ps = build_count_site(tolerance_units=1)
    item = product(ps)
    shelf = ps.shelves[0]
    put(item, shelf, 12)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=shelf, reason="spot check")
    for user, password in ((ps.counter, "count-pass-1"), (ps.approver, "approve-pass-1")):
        user.set_password(password)
        user.save()

    login(page, live_server.url, ps.counter.username, "count-pass-1")
    page.goto(f"{live_server.url}/warehouse/counting/{ps.warehouse.code}/")
    keys = page.keyboard
    keys.press("Enter")  # the next count
    wait_station_idle(page)
    assert page.locator("[data-count-bin]").get_attribute("data-count-bin") == shelf.code
    keys.type(f"BIN:{ps.shelves[1].code}\n")  # the wrong shelf: refused, nothing changes
    wait_station_idle(page)
    assert "wrong bin" in page.locator('[data-scan-result="error"]').inner_text()
    for raw in [f"BIN:{shelf.code}", "x4", gtin_of(item), item.sku, item.sku, "04006381333931"]:
        keys.type(raw + "\n")
    wait_station_idle(page)
    assert "unknown barcode" in page.locator('[data-scan-result="error"]').inner_text()
    assert page.locator("[data-count-scanned]").inner_text() == "6"
    assert "12" not in page.locator("[data-station-panel]").inner_text()  # blind: the system's 12 is never shown
    keys.press("F4")  # finish
    wait_station_idle(page)
    assert "A manager will review it" in page.locator("[data-scan-result]").inner_text()
    task = CountTask.objects.get()
    assert (task.status, task.system_qty, task.counted_qty) == ("review", 12, 6)
    assert held(item, shelf) == 12  # nothing posted yet

    # The counter may not approve (the role has no approvals); a manager does, from the review list.
    manager_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(manager_page, live_server.url, ps.approver.username, "approve-pass-1")
    manager_page.goto(f"{live_server.url}/warehouse/counts/review/")
    row = manager_page.locator(f'[data-review-task="{task.pk}"]')
    assert item.sku in row.inner_text() and "-6" in row.inner_text()
    row.locator("a").focus()
    manager_page.keyboard.press("Enter")
    manager_page.wait_for_url(f"**/warehouse/counts/{task.pk}/review/")
    assert manager_page.locator("[data-expected]").inner_text() == "12"
    assert manager_page.locator("[data-counted]").inner_text() == "6"
    assert manager_page.locator("[data-variance-value]").inner_text() == "-27.00"
    manager_page.keyboard.type("six units crushed behind the shelf")  # the reason field has focus
    manager_page.keyboard.press("Enter")  # the first button: approve
    manager_page.wait_for_url("**/warehouse/counts/review/")
    assert "approved" in manager_page.locator(".messages").inner_text()

    task.refresh_from_db()
    assert (task.status, task.reviewed_by_id) == ("done", ps.approver.pk)
    assert held(item, shelf) == 6
    assert StockLevel.objects.get(product=item, warehouse=ps.warehouse).on_hand == 6
    [move] = Movement.objects.filter(product=item, bin=shelf, kind="adjust")
    assert (move.qty, move.bin_qty_after, move.reference) == (-6, 6, f"count:{task.pk}")
    assert "six units crushed behind the shelf" in move.reason
    assert_stock_invariants()
