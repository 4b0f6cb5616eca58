"""Consolidation racing other use cases on the same rows, in real threads on PostgreSQL with a barrier start:
two packers scanning the two totes of one order at once, and the last tote scanned in while the order is
cancelled. Nobody deadlocks, one pack per order, no unit lost, and the stock invariants hold."""

import time

import pytest

from core import roles
from core.errors import DomainError
from inventory.models import BinStock
from orders.models import FulfillmentOrder, Order
from orders.services.cancellation import order_cancel
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.consolidating import claim, pick_all, tote_of, two_zone_site, zone_order
from warehouse.models import Pack, PackTote
from warehouse.outbound.services.cancellation import CancelNotReady, fulfillment_cancel
from warehouse.outbound.services.pack_station import pack_station_scan
from warehouse.outbound.services.packing import pack_scan, pack_start

ROUNDS = 5


@pytest.fixture
def site(transactional_db):
    return two_zone_site(totes=4)


def zone_picked(site):
    order, shirt, lamp, wave = zone_order(site)
    for picker in site.pickers:
        pick_all(claim(site, picker), picker)
    return order, shirt, lamp, tote_of(wave.sessions.get(zone__code="STOR")), tote_of(wave.sessions.get(zone__code="MEZZ"))


def no_deadlock(results) -> None:
    for result in results:
        assert not isinstance(result, Exception) or isinstance(result, DomainError), repr(result)


def test_two_packers_scanning_the_two_totes_of_one_order_at_once_open_one_pack(site):
    second_packer = UserFactory(role=roles.PACKER)
    for _ in range(ROUNDS):
        order, shirt, lamp, near_tote, far_tote = zone_picked(site)
        scans = [(site.packer, site.pack, near_tote), (second_packer, site.station, far_tote)]

        def start(i, scans=scans):
            packer, station, tote = scans[i]
            return pack_station_scan(warehouse=site.warehouse, pack_bin=station, raw=f"TOTE:{tote.code}", actor=packer)

        results = run_in_threads(start, 2)
        no_deadlock(results)
        assert sum(not isinstance(r, Exception) for r in results) == 1, results
        refused = next(r for r in results if isinstance(r, Exception))
        assert "being packed by" in refused.message
        pack = Pack.objects.get(fulfillment_order__order=order, status=Pack.Status.OPEN)
        other = far_tote if pack.packer == site.packer else near_tote
        pack_scan(pack=pack, raw=f"TOTE:{other.code}", actor=pack.packer)
        assert {row.product_id: row.qty for row in BinStock.objects.filter(bin=pack.pack_bin, product__in=[shirt, lamp], qty__gt=0)} == {
            shirt.pk: 2, lamp.pk: 1}
        pack_scan(pack=pack, raw="x2", actor=pack.packer)
        pack_scan(pack=pack, raw=shirt.sku, actor=pack.packer)
        pack_scan(pack=pack, raw=lamp.sku, actor=pack.packer)
        assert pack_scan(pack=pack, raw="CMD:DONE", actor=pack.packer).ok
        assert_stock_invariants()


def cancel_and_let_the_warehouse_stop(order) -> str:
    order_cancel(order=order, actor="customer service", reason="customer asked")
    for fulfillment in FulfillmentOrder.objects.filter(order=order, cancel_requested_at__isnull=False):
        for _ in range(100):
            try:
                fulfillment_cancel(fulfillment_id=fulfillment.pk, actor="warehouse")
                break
            except CancelNotReady:
                time.sleep(0.1)
    return "cancelled"


def test_the_last_tote_scanned_in_while_the_order_is_cancelled_loses_no_unit(site):
    outcomes = set()
    for _ in range(ROUNDS):
        order, shirt, lamp, near_tote, far_tote = zone_picked(site)
        pack = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{near_tote.code}", actor=site.packer)

        def act(i, pack=pack, order=order, far_tote=far_tote):
            if i == 0:
                return pack_scan(pack=pack, raw=f"TOTE:{far_tote.code}", actor=site.packer)
            return cancel_and_let_the_warehouse_stop(order)

        results = run_in_threads(act, 2)
        no_deadlock(results)
        outcomes.add("consolidated first" if not isinstance(results[0], Exception) else "cancelled first")
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        assert not BinStock.objects.filter(bin__in=[near_tote, far_tote, site.pack], qty__gt=0).exists()
        assert BinStock.objects.get(bin=site.shelves[0], product=shirt).qty == 5
        assert BinStock.objects.get(bin=site.far[0], product=lamp).qty == 4
        pack.refresh_from_db()
        assert pack.status == Pack.Status.CANCELLED
        assert PackTote.objects.filter(pack=pack).count() == 2
        assert_stock_invariants()
    assert outcomes  # which side won varies from round to round; either way nothing is lost
