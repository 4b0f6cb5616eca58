"""Multi-tote consolidation: a zone-picked order comes together at the pack station, and is never packed or
labelled while a unit of it is in another tote or still being picked."""

import pytest

from inventory.models import BinStock, Movement, Reservation
from orders.models import FulfillmentOrder, Order
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.cancelling import order_cancel_through_warehouse
from tests.warehouse.consolidating import claim, pick_all, tote_of, two_zone_site, zone_order
from tests.warehouse.inbound import gtin_of
from tests.warehouse.packing import picked
from tests.warehouse.picking import product
from warehouse.models import Pack, PackTote
from warehouse.outbound.services.consolidation import NotConsolidated
from warehouse.outbound.services.pack_station import pack_station_scan
from warehouse.outbound.services.packing import PackRefused, pack_release, pack_scan, pack_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return two_zone_site()


def units_in(bin_) -> dict[str, int]:
    return {row.product.sku: row.qty for row in BinStock.objects.filter(bin=bin_, qty__gt=0).select_related("product")}


def test_a_zone_wave_gives_the_order_one_tote_per_zone(site):
    order, shirt, lamp, wave = zone_order(site)
    near, far = claim(site, site.pickers[0]), claim(site, site.pickers[1])
    assert {near.zone.code, far.zone.code} == {"STOR", "MEZZ"}
    pick_all(near, site.pickers[0])
    pick_all(far, site.pickers[1])
    assert tote_of(near) != tote_of(far)
    assert units_in(tote_of(near)) | units_in(tote_of(far)) == {shirt.sku: 2, lamp.sku: 1}
    assert_stock_invariants()


def test_a_zone_picked_order_is_consolidated_at_the_pack_station_and_shipped_whole(site):
    order, shirt, lamp, wave = zone_order(site)
    near, far = claim(site, site.pickers[0]), claim(site, site.pickers[1])
    pick_all(near, site.pickers[0])
    near_tote, far_tote = tote_of(near), tote_of(far)

    # The near zone is done, the far one is still being picked: no pack starts, nothing moves.
    with pytest.raises(NotConsolidated, match=rf"still being picked: 1 unit\(s\) in zone MEZZ {far}"):
        pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{near_tote.code}", actor=site.packer)
    assert not Pack.objects.exists()
    pick_all(far, site.pickers[1])
    assert_stock_invariants()

    reply = pack_station_scan(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{near_tote.code}", actor=site.packer)
    assert reply.ok and f"scan the other tote(s): {far_tote.code}" in reply.message
    pack = Pack.objects.get()
    assert pack.tote is None  # the units are still in their totes
    assert {(row.tote.code, row.arrived_at is None) for row in PackTote.objects.filter(pack=pack)} == {
        (near_tote.code, False), (far_tote.code, True)}

    # Nothing is packed, closed or labelled while a tote is missing.
    with pytest.raises(NotConsolidated, match=f"other tote.*{far_tote.code}"):
        pack_scan(pack=pack, raw=shirt.sku, actor=site.packer)
    with pytest.raises(NotConsolidated, match=f"other tote.*{far_tote.code}"):
        pack_scan(pack=pack, raw="CMD:DONE", actor=site.packer)
    assert not pack.cartons.filter(items__isnull=False).exists() and not Shipment.objects.exists()
    assert units_in(near_tote) == {shirt.sku: 2} and units_in(far_tote) == {lamp.sku: 1}

    reply = pack_scan(pack=pack, raw=f"TOTE:{far_tote.code}", actor=site.packer)
    assert reply.ok and reply.data["consolidated"], reply.message
    assert "all 2 totes" in reply.message and "(3 unit(s))" in reply.message
    assert units_in(near_tote) == {} and units_in(far_tote) == {}
    assert units_in(site.pack) == {shirt.sku: 2, lamp.sku: 1}
    pack.refresh_from_db()
    assert pack.tote == site.pack
    assert Movement.objects.filter(reference=f"consolidate:{pack.pk}").count() == 4  # out of each tote, into the station
    assert_stock_invariants()

    pack_scan(pack=pack, raw="x2", actor=site.packer)
    pack_scan(pack=pack, raw=gtin_of(shirt), actor=site.packer)
    pack_scan(pack=pack, raw=lamp.sku, actor=site.packer)
    reply = pack_scan(pack=pack, raw="CMD:DONE", actor=site.packer)
    assert reply.ok, reply.message
    shipment = Shipment.objects.get()
    assert {(item.product_id, item.qty) for item in shipment.carton.items.all()} == {(shirt.pk, 2), (lamp.pk, 1)}
    assert_stock_invariants()

    manifest_close(warehouse=site.warehouse, carrier=shipment.carrier, actor=site.manager)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert not BinStock.objects.filter(product__in=[shirt, lamp], bin__kind__in=["tote", "pack"], qty__gt=0).exists()
    assert all(r.qty == 0 and r.picked_qty == 0 for r in Reservation.objects.filter(order_line_id__in=order.lines.values("pk")))
    assert_stock_invariants()


def test_a_pack_started_by_order_number_expects_every_tote(site):
    order, shirt, lamp, wave = zone_order(site)
    near, far = claim(site, site.pickers[0]), claim(site, site.pickers[1])
    pick_all(near, site.pickers[0])
    pick_all(far, site.pickers[1])
    pack = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=order.order_number, actor=site.packer)
    assert PackTote.objects.filter(pack=pack, arrived_at__isnull=True).count() == 2
    pack_scan(pack=pack, raw=f"TOTE:{tote_of(far).code}", actor=site.packer)
    again = pack_scan(pack=pack, raw=f"TOTE:{tote_of(far).code}", actor=site.packer)
    assert "already in" in again.message and f"still to come: {tote_of(near).code}" in again.message
    with pytest.raises(NotConsolidated):
        pack_scan(pack=pack, raw=lamp.sku, actor=site.packer)
    pack_scan(pack=pack, raw=f"TOTE:{tote_of(near).code}", actor=site.packer)
    assert units_in(site.pack) == {shirt.sku: 2, lamp.sku: 1}
    assert_stock_invariants()


def test_a_tote_of_another_order_is_refused_and_changes_nothing(site):
    order, shirt, lamp, wave = zone_order(site)
    for picker in site.pickers:
        pick_all(claim(site, picker), picker)
    near_tote = tote_of(wave.sessions.get(zone__code="STOR"))
    pack = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{near_tote.code}", actor=site.packer)
    stranger = site.totes[-1]
    with pytest.raises(NotConsolidated, match=f"tote {stranger.code} is not one of {order.order_number}'s"):
        pack_scan(pack=pack, raw=f"TOTE:{stranger.code}", actor=site.packer)
    assert PackTote.objects.filter(pack=pack, arrived_at__isnull=False).count() == 1
    assert units_in(site.pack) == {}


def test_a_single_tote_order_packs_as_before_with_no_tote_to_wait_for(site):
    cap = product(site.ps)
    order, tote = picked(site.ps, [(cap, 1)])
    pack = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{tote.code}", actor=site.packer)
    assert pack.tote == tote and not PackTote.objects.exists()
    pack_scan(pack=pack, raw=cap.sku, actor=site.packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=site.packer).ok
    assert units_in(site.pack) == {cap.sku: 1}
    assert_stock_invariants()


def test_a_pack_given_back_mid_consolidation_starts_over_and_one_given_back_after_keeps_its_station(site):
    order, shirt, lamp, wave = zone_order(site)
    for picker in site.pickers:
        pick_all(claim(site, picker), picker)
    near_tote, far_tote = tote_of(wave.sessions.get(zone__code="STOR")), tote_of(wave.sessions.get(zone__code="MEZZ"))
    first = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{near_tote.code}", actor=site.packer)
    pack_release(pack=first, actor=site.packer)
    assert units_in(near_tote) == {shirt.sku: 2}  # nothing moved

    second = pack_start(warehouse=site.warehouse, pack_bin=site.station, raw=f"TOTE:{far_tote.code}", actor=site.packer)
    assert list(PackTote.objects.filter(pack=second, arrived_at__isnull=True).values_list("tote__code", flat=True)) == [near_tote.code]
    pack_scan(pack=second, raw=f"TOTE:{near_tote.code}", actor=site.packer)
    assert units_in(site.station) == {shirt.sku: 2, lamp.sku: 1}
    pack_release(pack=second, actor=site.packer)

    third = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=order.order_number, actor=site.packer)
    assert third.tote == site.station and not PackTote.objects.filter(pack=third).exists()
    pack_scan(pack=third, raw="x2", actor=site.packer)
    pack_scan(pack=third, raw=shirt.sku, actor=site.packer)
    pack_scan(pack=third, raw=lamp.sku, actor=site.packer)
    assert pack_scan(pack=third, raw="CMD:DONE", actor=site.packer).ok
    assert units_in(site.pack) == {shirt.sku: 2, lamp.sku: 1} and units_in(site.station) == {}
    assert_stock_invariants()


@pytest.mark.parametrize("consolidated", [False, True])
def test_a_cancel_puts_every_unit_back_from_where_it_is(site, consolidated):
    order, shirt, lamp, wave = zone_order(site)
    for picker in site.pickers:
        pick_all(claim(site, picker), picker)
    near_tote, far_tote = tote_of(wave.sessions.get(zone__code="STOR")), tote_of(wave.sessions.get(zone__code="MEZZ"))
    pack = pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=f"TOTE:{near_tote.code}", actor=site.packer)
    if consolidated:
        pack_scan(pack=pack, raw=f"TOTE:{far_tote.code}", actor=site.packer)
    order_cancel_through_warehouse(order=order, actor=site.manager, reason="customer changed their mind")
    assert order.status == Order.Status.CANCELLED
    assert units_in(site.shelves[0]) == {shirt.sku: 5} and units_in(site.far[0]) == {lamp.sku: 4}
    assert units_in(near_tote) == units_in(far_tote) == units_in(site.pack) == {}
    pack.refresh_from_db()
    assert pack.status == Pack.Status.CANCELLED
    assert_stock_invariants()


def test_a_pack_is_refused_when_a_zone_has_not_started(site):
    order, shirt, lamp, wave = zone_order(site)
    near = claim(site, site.pickers[0])
    pick_all(near, site.pickers[0])
    with pytest.raises(PackRefused, match=r"zone MEZZ .* \(not started\)"):
        pack_start(warehouse=site.warehouse, pack_bin=site.pack, raw=order.order_number, actor=site.packer)
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PICKING
