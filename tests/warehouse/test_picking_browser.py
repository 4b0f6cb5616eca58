"""A picker completes a batch of orders with the keyboard alone, one bin turning out empty on the way."""

import pytest

from inventory.models import BinStock, Reservation, StockLevel
from orders.models import Order, OrderEvent
from tests.browser import login, wait_station_idle
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.models import Discrepancy, PickLine, PickSession, PickStrategy
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_is_picked_with_the_keyboard_alone_including_a_pick_failure(live_server, page):
    ps = build_pick_site(shelves=8, totes=6)
    ps.picker.set_password("pick-pass-1")
    ps.picker.save()
    shirt, mug, cap = product(ps, name="Shirt"), product(ps, name="Mug"), product(ps, name="Cap")
    put(shirt, ps.shelves[5], 4)
    put(mug, ps.shelves[1], 5)  # the system says 5; the picker finds the bin empty
    put(mug, ps.shelves[7], 5)
    put(cap, ps.shelves[3], 5)
    orders = [released(ps, [(shirt, 2), (mug, 1)]), released(ps, [(cap, 1)]), released(ps, [(mug, 2), (cap, 1)])]
    wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=PickStrategy.BATCH, orders_per_session=3)

    login(page, live_server.url, ps.picker.username, "pick-pass-1")
    page.goto(f"{live_server.url}/warehouse/picking/{ps.warehouse.code}/")
    keys = page.keyboard
    keys.press("Enter")  # take the next session
    wait_station_idle(page)
    assert "claimed (3 order(s))" in page.locator("[data-scan-result]").inner_text()

    visited, failed = [], False
    for _ in range(30):
        target = page.locator("[data-pick-bin]")
        if not target.count():
            break
        bin_code = target.get_attribute("data-pick-bin")
        sku = page.locator("[data-pick-sku]").inner_text()
        qty = int(page.locator("[data-pick-qty]").inner_text())
        visited.append(bin_code)
        if bin_code == ps.shelves[1].code and not failed:
            keys.type(f"BIN:{bin_code}\n")
            wait_station_idle(page)
            keys.press("F2")  # bin empty
            wait_station_idle(page)
            assert "Bin empty at A-01-02-A" in page.locator("[data-scan-result]").inner_text()
            failed = True
            continue
        if bin_code == ps.shelves[5].code:
            keys.type(f"BIN:{bin_code}\n")
            keys.type("BIN:A-01-01-A\n")  # wrong bin: a loud error, nothing changes
            wait_station_idle(page)
            assert page.locator("[data-scan-result]").get_attribute("data-scan-result") == "error"
            assert "wrong bin" in page.locator("[data-scan-result]").inner_text()
        item = {shirt.sku: gtin_of(shirt), mug.sku: gtin_of(mug), cap.sku: gtin_of(cap)}[sku]
        # Typed as fast as a scanner sends them: the station queues and applies them in order.
        keys.type(f"BIN:{bin_code}\n" + (f"x{qty}\n" if qty > 1 else "") + f"{item}\n")
        wait_station_idle(page)
        assert page.locator("[data-scan-result]").get_attribute("data-scan-result") == "ok", page.locator("[data-scan-result]").inner_text()
    assert failed
    assert "Session picked" in page.locator("[data-scan-result]").inner_text()
    assert visited.index(ps.shelves[1].code) < visited.index(ps.shelves[7].code)

    session = PickSession.objects.get()
    assert session.status == PickSession.Status.DONE
    assert PickLine.objects.filter(status="failed").count() == 2  # both mug lines sent to the empty bin
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.bin, discrepancy.expected_qty, discrepancy.found_qty, discrepancy.reported_by) == (ps.shelves[1], 5, 0, ps.picker)
    assert BinStock.objects.get(bin=ps.shelves[1], product=mug).is_flagged
    for order in orders:
        order.refresh_from_db()
        assert order.status == Order.Status.IN_PROGRESS
        for line in order.lines.all():
            reservation = Reservation.objects.get(order_line_id=line.pk)
            assert (reservation.qty, reservation.picked_qty) == (0, line.quantity)
            tote = session.slots.get(fulfillment_order__order=order).tote
            assert BinStock.objects.get(bin=tote, product=line.product).qty == line.quantity
    assert OrderEvent.objects.filter(order__in=[orders[0], orders[2]], kind="pick_failure").count() == 2
    assert BinStock.objects.get(bin=ps.shelves[7], product=mug).qty == 2
    level = StockLevel.objects.get(product=mug, warehouse=ps.warehouse)
    assert (level.on_hand, level.allocated, level.unavailable) == (10, 3, 5)
    assert_stock_invariants()
