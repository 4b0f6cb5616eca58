"""End of day per warehouse: manifests closed per carrier, open work listed (never closed), stale reservations
released while live ones stay, totes holding stock reported, the report shown and mailed; once per local day, at
the warehouse's own cut-off in its own time zone, or by hand before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from core import roles
from inventory.models import Reservation, StaffScope, StockLevel
from inventory.services.reservations import stock_reserve
from ops.models import DayClose
from ops.services.day_close import day_close_run, day_closes_run_due, warehouses_due
from orders.models import FulfillmentOrder, Order
from shipping.models import Manifest, Shipment
from tests.factories import UserFactory, WarehouseFactory
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import PickSession, Wave
from warehouse.outbound.services.packing import pack_scan, pack_start

pytestmark = pytest.mark.django_db


def floor_at_end_of_day():
    """A labelled carton waiting for its carrier, a picked order still in its tote, an order being picked, an
    order whose fulfillment was cancelled with its reservation left behind, and a reservation with no order line."""
    ps = build_pick_site()
    carton_types()
    ps.manager.email = "manager@example.com"
    ps.manager.save()
    packer = UserFactory(role=roles.PACKER)
    shirt, mug, cap, hat = product(ps), product(ps), product(ps), product(ps)
    labelled, tote = picked(ps, [(shirt, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    in_tote, full_tote = picked(ps, [(mug, 2)])
    put(cap, ps.shelves[3], 5)
    being_picked = released(ps, [(cap, 2)])
    session = planned_and_claimed(ps)
    put(hat, ps.shelves[4], 4)
    leaked = released(ps, [(hat, 3)])
    # A cancellation that finished without giving its units back (the state the close-out must clean up).
    FulfillmentOrder.objects.filter(order=leaked).update(status=FulfillmentOrder.Status.CANCELLED)
    Order.objects.filter(pk=leaked.pk).update(status=Order.Status.CANCELLED)
    ghost = stock_reserve(product=hat, warehouse=ps.warehouse, qty=1, order_line_id=987654321, actor="test").reservation
    return {"ps": ps, "labelled": labelled, "tote": full_tote, "being_picked": being_picked, "session": session,
            "leaked": leaked, "ghost": ghost, "hat": hat, "cap": cap}


def test_the_close_out_ships_manifests_lists_open_work_releases_only_stale_reservations_and_mails_the_report():
    floor = floor_at_end_of_day()
    ps = floor["ps"]
    shipment = Shipment.objects.get(fulfillment_order__order=floor["labelled"])
    live = Reservation.objects.get(order_line_id=floor["being_picked"].lines.get().pk)
    leaked = Reservation.objects.get(order_line_id=floor["leaked"].lines.get().pk)
    hat_allocated = StockLevel.objects.get(product=floor["hat"], warehouse=ps.warehouse).allocated
    assert hat_allocated == 4

    close = day_close_run(warehouse=ps.warehouse, actor=ps.manager)

    assert close.status == DayClose.Status.DONE and close.closed_by == ps.manager
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED and shipment.manifest is not None
    assert Manifest.objects.filter(warehouse=ps.warehouse, carrier=shipment.carrier).count() == 1
    report = close.report
    assert report["manifests"] == [{"carrier": shipment.carrier, "manifest": shipment.manifest_id, "cartons": 1, "problem": ""}]
    assert report["shipped"] == {"fulfillments": 1, "cartons": 1}
    # Open work is listed, not closed.
    session = floor["session"]
    assert [s["session"] for s in report["open_sessions"]] == [session.pk]
    assert [w["wave"] for w in report["open_waves"]] == [session.wave_id]
    assert PickSession.objects.get(pk=session.pk).status == PickSession.Status.CLAIMED
    assert Wave.objects.get(pk=session.wave_id).status == Wave.Status.OPEN
    assert {t["tote"]: t["units"] for t in report["totes_with_stock"]} == {floor["tote"].code: 2}
    # The live reservation keeps its units; the leaked and the ownerless ones are given back.
    live_after = Reservation.objects.get(pk=live.pk)
    assert (live_after.qty, live_after.released_qty) == (live.qty, live.released_qty)
    leaked.refresh_from_db()
    floor["ghost"].refresh_from_db()
    assert (leaked.qty, leaked.released_qty) == (0, 3)
    assert (floor["ghost"].qty, floor["ghost"].released_qty) == (0, 1)
    assert StockLevel.objects.get(product=floor["hat"], warehouse=ps.warehouse).allocated == 0
    assert sorted((x["order_line"], x["qty"]) for x in report["released_reservations"]) == sorted(
        [(leaked.order_line_id, 3), (987654321, 1)])
    # Orders not shipped whose ship-by falls today missed the cut-off (those with one set).
    missed = {m["order"] for m in report["missed_cutoff"]}
    assert floor["labelled"].order_number not in missed
    # The report reaches the warehouse's managers.
    (message,) = mail.outbox
    assert message.to == ["manager@example.com"]
    assert f"End of day {report['day']} at {ps.warehouse.code}" in message.subject
    assert "Totes still holding stock: 1" in message.body and floor["tote"].code in message.body
    assert close.emailed_at is not None


def test_running_the_close_out_twice_changes_nothing_the_second_time():
    floor = floor_at_end_of_day()
    ps = floor["ps"]
    first = day_close_run(warehouse=ps.warehouse, actor=ps.manager)
    movements = ps.warehouse.movements.count()
    assert day_close_run(warehouse=ps.warehouse, actor=ps.manager) is None
    assert ps.warehouse not in warehouses_due(first.started_at)  # the beat job will not run it again either
    assert DayClose.objects.count() == 1 and Manifest.objects.count() == 1
    assert ps.warehouse.movements.count() == movements
    assert len(mail.outbox) == 1


def test_a_warehouse_closes_at_its_own_cut_off_in_its_own_time_zone():
    los_angeles = WarehouseFactory(timezone="America/Los_Angeles", order_cutoff=dt.time(17, 0))
    utc = WarehouseFactory(timezone="UTC", order_cutoff=dt.time(14, 0))
    before = dt.datetime(2026, 12, 3, 0, 55, tzinfo=dt.UTC)  # 16:55 on 2 Dec in Los Angeles
    after = dt.datetime(2026, 12, 3, 1, 5, tzinfo=dt.UTC)  # 17:05 on 2 Dec in Los Angeles; 01:05 in UTC
    assert los_angeles not in warehouses_due(before) and utc not in warehouses_due(before)
    assert los_angeles in warehouses_due(after) and utc not in warehouses_due(after)
    assert day_closes_run_due(now=after)["closed"] >= 1
    close = DayClose.objects.get(warehouse=los_angeles)
    assert close.day == dt.date(2026, 12, 2) and close.status == DayClose.Status.DONE and close.closed_by is None
    assert not DayClose.objects.filter(warehouse=utc).exists()
    assert los_angeles not in warehouses_due(after + dt.timedelta(minutes=5))  # closed: not run again
    assert utc in warehouses_due(dt.datetime(2026, 12, 3, 14, 1, tzinfo=dt.UTC))


def test_managers_see_the_report_and_close_by_hand_only_with_confirmation(client):
    floor = floor_at_end_of_day()
    ps = floor["ps"]
    client.force_login(ps.manager)
    url = reverse("ops:day_close_detail", kwargs={"code": ps.warehouse.code})
    assert ps.warehouse.code in client.get(reverse("ops:day_close_list")).content.decode()
    assert "not closed yet" in client.get(url).content.decode()
    client.post(url, {})
    assert not DayClose.objects.exists()
    client.post(url, {"confirm": "yes"})
    close = DayClose.objects.get()
    assert close.status == DayClose.Status.DONE and close.closed_by == ps.manager
    page = client.get(url).content.decode()
    assert 'data-status="done"' in page and floor["tote"].code in page
    outsider = UserFactory(role=roles.WAREHOUSE_MANAGER)
    StaffScope.objects.create(user=outsider).warehouses.add(WarehouseFactory())
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    client.force_login(UserFactory(role=roles.PICKER))
    assert client.get(url).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_close_outs_at_once_close_the_day_once(roles_ready):
    """The beat job and a manager's click meet on the same day: one closes it, the other finds it taken."""
    from tests.concurrency import run_in_threads

    floor = floor_at_end_of_day()
    ps = floor["ps"]
    results = run_in_threads(lambda i: day_close_run(warehouse=ps.warehouse, actor=ps.manager if i else "beat"), 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r is not None for r in results) == 1
    assert DayClose.objects.get().status == DayClose.Status.DONE
    assert Manifest.objects.count() == 1 and len(mail.outbox) == 1
    leaked = Reservation.objects.get(order_line_id=floor["leaked"].lines.get().pk)
    assert (leaked.qty, leaked.released_qty) == (0, 3)
