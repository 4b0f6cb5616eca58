"""A returns processor receives and grades a multi-line return with the keyboard alone, as a wedge scanner
types: the RMA code, each item, a function key for the grade, Enter for the proposed destination. Then the
return goes all the way, with a real Celery worker doing the allocation: the restocked shirts fill another
customer's backorder, the exchange order is allocated like any other, both appear on the wave board, the
manager plans the wave there, and the picker picks the restocked shirt from the shelf it was restocked to."""

import time

import pytest

from core import roles
from inventory.models import BinStock, Condition, StockLevel
from inventory.services.availability import availability_nudge_clear
from inventory.services.stock import stock_receive
from layout.models import Bin, Zone
from orders.models import Order
from orders.services.allocation import order_allocate
from returns.models import ParcelStatus, ReturnParcel, RmaStatus
from returns.services.resolutions import rma_resolve
from returns.services.rmas import RequestedLine, rma_create
from returns.services.setup import returns_bins
from tests.browser import login, wait_station_idle
from tests.factories import BinFactory, UserFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.returns.factories import build_return_site, gtin_of, shipped_order
from warehouse.models import PickLine, PickSession

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def status_of(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_a_multi_line_return_is_received_and_graded_by_keyboard_and_the_restocked_unit_is_picked_in_the_next_wave(
        live_server, browser, page, celery_worker):
    availability_nudge_clear()  # a nudge left by an earlier test must not hold back this one's
    site = build_return_site(products=3)
    for user in (site.processor, site.manager):
        user.set_password("scan-pass-1")
        user.save()
    picker = UserFactory(role=roles.PICKER)
    picker.set_password("scan-pass-1")
    picker.save()
    pack = ZoneFactory(warehouse=site.warehouse, code="PACK", kind=Zone.Kind.PACKING)
    for n in range(1, 4):
        BinFactory(zone=pack, code=f"T-{n:03d}", kind=Bin.Kind.TOTE, walk_x=0, walk_y=0, is_pickable=False)
    shirt, mug, hat = site.products
    stock_receive(product=mug, bin=site.shelves[1], qty=3, actor=None)
    stock_receive(product=hat, bin=site.shelves[2], qty=5, actor=None)
    # No shirt anywhere: another customer's shirt waits as a backorder until the returned ones are restocked.
    channel = ChannelFactory(merchant=site.merchant)
    backorder = order_with_lines(channel=channel, lines=[(shirt, 1)])
    assert order_allocate(order_id=backorder.pk).status == Order.Status.BACKORDERED

    order = shipped_order(site, [(shirt, 2), (mug, 1)], channel=channel)
    lines = {line.product_id: line for line in order.lines.all()}
    rma = rma_create(order=order, resolution="exchange", actor=site.agent, source="customer service", authorize=True, lines=[
        RequestedLine(order_line_id=lines[shirt.pk].pk, qty=2, reason="wrong_size", exchange_sku=hat.sku),
        RequestedLine(order_line_id=lines[mug.pk].pk, qty=1, reason="defective", exchange_sku=mug.sku),
    ])

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
    restocked_to = site.shelves[0]
    assert BinStock.objects.get(product=shirt, bin=restocked_to, condition=Condition.SELLABLE).qty == 2
    assert BinStock.objects.get(product=mug, bin=returns_bins(site.warehouse).holding, condition=Condition.DAMAGED).qty == 1
    assert_stock_invariants()

    # Customer service resolves it: the exchange order goes through allocation on the worker like any order.
    rma = rma_resolve(rma=rma, actor=site.agent)
    exchange = rma.replacement_order
    assert sorted((line.sku, line.quantity) for line in exchange.lines.all()) == sorted([(hat.sku, 2), (mug.sku, 1)])
    wait_for(lambda: status_of(exchange) == Order.Status.RELEASED, "the exchange order to be allocated and released")
    wait_for(lambda: status_of(backorder) == Order.Status.RELEASED, "the restocked shirt to fill the backorder")

    # The manager sees both on the wave board and plans the next wave there.
    manager = browser.new_context(viewport={"width": 1280, "height": 900})
    board = manager.new_page()
    login(board, live_server.url, site.manager.username, "scan-pass-1")
    board.goto(f"{live_server.url}/warehouse/waves/?warehouse={site.warehouse.code}")
    waiting = board.locator("table").first.inner_text()
    assert exchange.order_number in waiting and backorder.order_number in waiting
    board.get_by_role("button", name="Plan wave").click()
    board.wait_for_load_state()
    assert "planned: 1 session(s)" in board.content()
    assert "No released orders waiting." in board.locator("table").first.inner_text()
    manager.close()
    session = PickSession.objects.get(warehouse=site.warehouse)
    assert set(session.slots.values_list("fulfillment_order__order_id", flat=True)) == {exchange.pk, backorder.pk}
    shirt_line = PickLine.objects.get(session=session, product=shirt)
    assert (shirt_line.bin, shirt_line.qty) == (restocked_to, 1)

    # The picker walks the wave with the keyboard; the shirt comes off the shelf it was restocked to.
    picking = browser.new_context(viewport={"width": 412, "height": 915})
    station = picking.new_page()
    login(station, live_server.url, picker.username, "scan-pass-1")
    station.goto(f"{live_server.url}/warehouse/picking/{site.warehouse.code}/")
    keys = station.keyboard
    keys.press("Enter")  # take the next session
    wait_station_idle(station)
    assert "claimed (2 order(s))" in station.locator("[data-scan-result]").inner_text()
    visited = []
    for _ in range(10):
        target = station.locator("[data-pick-bin]")
        if not target.count():
            break
        bin_code = target.get_attribute("data-pick-bin")
        sku = station.locator("[data-pick-sku]").inner_text()
        qty = int(station.locator("[data-pick-qty]").inner_text())
        visited.append((bin_code, sku))
        item = {shirt.sku: gtin_of(shirt), mug.sku: gtin_of(mug), hat.sku: gtin_of(hat)}[sku]
        keys.type(f"BIN:{bin_code}\n" + (f"x{qty}\n" if qty > 1 else "") + f"{item}\n")
        wait_station_idle(station)
        outcome = station.locator("[data-scan-result]")
        assert outcome.get_attribute("data-scan-result") == "ok", outcome.inner_text()
    assert "Session picked" in station.locator("[data-scan-result]").inner_text()
    picking.close()

    assert (restocked_to.code, shirt.sku) in visited
    session.refresh_from_db()
    assert session.status == PickSession.Status.DONE
    shirt_line.refresh_from_db()
    assert (shirt_line.status, shirt_line.picked_qty) == (PickLine.Status.PICKED, 1)
    assert BinStock.objects.get(product=shirt, bin=restocked_to, condition=Condition.SELLABLE).qty == 1
    level = StockLevel.objects.get(product=shirt, warehouse=site.warehouse)
    assert (level.on_hand, level.allocated) == (2, 1)  # one on the shelf, one in the picker's tote
    for placed in (exchange, backorder):
        assert status_of(placed) == Order.Status.IN_PROGRESS
    assert_stock_invariants()
