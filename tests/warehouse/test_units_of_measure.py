"""Units of measure: a product's inner pack and case with their GTIN-14s; a case scanned at receiving adds its
eaches, a picker may pick a full case, and a packer may pack one, every unit through the ledger."""

import pytest
from biip.gtin import Gtin

from core.errors import Conflict
from inventory.gtin import gtin_indicator, gtin_packaging
from inventory.models import BinStock, Movement, PackagingLevel
from inventory.services.packaging import PackagingRefused, product_packaging_set
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.consolidating import two_zone_site
from tests.warehouse.inbound import build_site, gtin_of, make_po, new_product
from tests.warehouse.picking import planned_and_claimed, product, put, released
from warehouse.inbound.services.receiving import receipt_open, receiving_scan
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.packing import PackRefused, pack_scan, pack_start
from warehouse.outbound.services.picking import PickRefused, pick_scan

pytestmark = pytest.mark.django_db


def test_a_pack_gtin_is_the_each_gtin_with_its_indicator_digit_and_a_fresh_check_digit():
    each = "00614141000012"  # GS1's example company prefix
    case = gtin_packaging(each, 2)
    assert case[0] == "2" and case[1:13] == each[1:13] and gtin_indicator(case) == 2
    assert Gtin.parse(case).as_gtin_14() == case  # biip agrees on the check digit


def test_packaging_levels_are_declared_with_their_gtins_and_refuse_what_would_confuse_a_scan():
    site = build_site()
    soap = new_product(site)
    case = product_packaging_set(product=soap, level=PackagingLevel.CASE, units=12)
    inner = product_packaging_set(product=soap, level=PackagingLevel.INNER, units=4)
    assert (gtin_indicator(case.gtin), gtin_indicator(inner.gtin)) == (2, 1)
    assert product_packaging_set(product=soap, level=PackagingLevel.CASE, units=24).pk == case.pk  # changed, not doubled
    with pytest.raises(PackagingRefused, match="2 to 100000"):
        product_packaging_set(product=soap, level=PackagingLevel.CASE, units=1)
    with pytest.raises(Conflict, match="each barcode"):
        product_packaging_set(product=soap, level=PackagingLevel.CASE, units=12, gtin=gtin_of(soap))
    other = new_product(site)
    with pytest.raises(Conflict, match="already the case"):
        product_packaging_set(product=other, level=PackagingLevel.CASE, units=6, gtin=case.gtin)
    with pytest.raises(PackagingRefused, match="check digit"):
        product_packaging_set(product=other, level=PackagingLevel.CASE, units=6, gtin=case.gtin[:-1] + str((int(case.gtin[-1]) + 1) % 10))


def test_receiving_a_case_scan_adds_its_eaches_and_a_count_of_cases_multiplies():
    site = build_site()
    soap = new_product(site)
    case = product_packaging_set(product=soap, level=PackagingLevel.CASE, units=12)
    po = make_po(site, [(soap, 40)])
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    reply = receiving_scan(receipt=receipt, raw=case.gtin, actor=site.receiver)
    assert reply.ok and "12 of 40" in reply.message, reply.message
    receiving_scan(receipt=receipt, raw="x2", actor=site.receiver)
    receiving_scan(receipt=receipt, raw=case.gtin, actor=site.receiver)  # two cases
    receiving_scan(receipt=receipt, raw=gtin_of(soap), actor=site.receiver)  # and one each
    assert po.lines.get().received_qty == 12 + 24 + 1
    assert BinStock.objects.get(bin=site.dock, product=soap).qty == 37
    assert list(Movement.objects.filter(product=soap).values_list("qty", flat=True).order_by("pk")) == [12, 24, 1]
    assert_stock_invariants()


def test_a_picker_picks_a_full_case_and_a_case_too_many_is_refused():
    site = two_zone_site()
    ps = site.ps
    soap = product(ps)
    case = product_packaging_set(product=soap, level=PackagingLevel.CASE, units=12)
    put(soap, ps.shelves[0], 40)
    order = released(ps, [(soap, 14)])
    session = planned_and_claimed(ps)
    line = current_line(session)
    pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=ps.picker)
    reply = pick_scan(session=session, raw=case.gtin, actor=ps.picker)
    assert reply.ok and reply.data["picked"] == 12, reply.message
    with pytest.raises(PickRefused, match="over-scan: 2 x"):
        pick_scan(session=session, raw=case.gtin, actor=ps.picker)
    pick_scan(session=session, raw="x2", actor=ps.picker)
    pick_scan(session=session, raw=gtin_of(soap), actor=ps.picker)
    tote = session.slots.get().tote
    assert BinStock.objects.get(bin=tote, product=soap).qty == 14
    assert_stock_invariants()

    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=site.packer)
    reply = pack_scan(pack=pack, raw=case.gtin, actor=site.packer)
    assert reply.ok and reply.data["left"] == 2, reply.message
    with pytest.raises(PackRefused, match="too many"):
        pack_scan(pack=pack, raw=case.gtin, actor=site.packer)
    pack_scan(pack=pack, raw="x2", actor=site.packer)
    pack_scan(pack=pack, raw=soap.sku, actor=site.packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=site.packer).ok
    assert BinStock.objects.get(bin=ps.pack, product=soap).qty == 14
    assert order.lines.get().quantity == 14
    assert_stock_invariants()


def test_a_case_gtin_of_another_product_is_a_wrong_item_at_the_pick_station():
    site = two_zone_site()
    ps = site.ps
    soap, salt = product(ps), product(ps)
    salt_case = product_packaging_set(product=salt, level=PackagingLevel.CASE, units=6)
    put(soap, ps.shelves[0], 10)
    released(ps, [(soap, 6)])
    session = planned_and_claimed(ps)
    pick_scan(session=session, raw=f"BIN:{ps.shelves[0].code}", actor=ps.picker)
    with pytest.raises(PickRefused, match="wrong item"):
        pick_scan(session=session, raw=salt_case.gtin, actor=ps.picker)
    assert BinStock.objects.get(bin=ps.shelves[0], product=soap).qty == 10
