"""Serial numbers (GS1 AI 21) of serial-tracked products: captured one per unit at receiving and at pack-out,
never twice, and traceable from the order to its serials and from a serial to its order."""

import pytest

from inventory.models import BinStock
from inventory.services.stock import stock_move
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of, make_po
from tests.warehouse.packing import carton_types
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, released
from warehouse.inbound.services.receiving import receipt_open, receiving_scan
from warehouse.models import SerialUnit
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.packing import pack_release, pack_scan, pack_start
from warehouse.outbound.services.picking import pick_scan
from warehouse.services.serials import SerialRefused, serial_trace, serials_of_order

pytestmark = pytest.mark.django_db


def label(item, serial: str) -> str:
    return f"(01){gtin_of(item)}(21){serial}"


def test_serials_are_captured_at_receiving_and_pack_out_and_traced_both_ways():
    ps = build_pick_site()
    ps.warehouse.address_line1 = "100 Port St"
    ps.warehouse.save()
    carton_types()
    phone = product(ps, serial_tracked=True)
    po = make_po(ps.site, [(phone, 2)])
    receipt = receipt_open(purchase_order=po, actor=ps.receiver)
    with pytest.raises(SerialRefused, match="serial-tracked"):
        receiving_scan(receipt=receipt, raw=gtin_of(phone), actor=ps.receiver)
    assert receiving_scan(receipt=receipt, raw=label(phone, "SN-0001"), actor=ps.receiver).ok
    with pytest.raises(SerialRefused, match="received already"):
        receiving_scan(receipt=receipt, raw=label(phone, "SN-0001"), actor=ps.receiver)
    receiving_scan(receipt=receipt, raw=label(phone, "SN-0002"), actor=ps.receiver)
    assert BinStock.objects.get(bin=ps.dock, product=phone).qty == 2
    assert set(SerialUnit.objects.filter(receipt=receipt).values_list("serial", flat=True)) == {"SN-0001", "SN-0002"}

    stock_move(product=phone, from_bin=ps.dock, to_bin=ps.shelves[0], qty=2, actor=ps.manager, reason="test putaway")
    order = released(ps, [(phone, 2)])
    session = planned_and_claimed(ps)
    while (line := current_line(session)) is not None:
        pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=ps.picker)
        pick_scan(session=session, raw=f"x{line.remaining}", actor=ps.picker)
        pick_scan(session=session, raw=line.product.sku, actor=ps.picker)

    packer = UserFactory(role="packer")
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=order.order_number, actor=packer)
    with pytest.raises(SerialRefused, match="serial-tracked"):
        pack_scan(pack=pack, raw=phone.sku, actor=packer)
    with pytest.raises(SerialRefused, match="never received"):
        pack_scan(pack=pack, raw=label(phone, "SN-9999"), actor=packer)
    pack_scan(pack=pack, raw=label(phone, "SN-0001"), actor=packer)
    with pytest.raises(SerialRefused, match="already packed"):
        pack_scan(pack=pack, raw=label(phone, "SN-0001"), actor=packer)
    pack_release(pack=pack, actor=packer)  # given back: its serials are free again
    assert SerialUnit.objects.get(serial="SN-0001").carton is None

    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=order.order_number, actor=packer)
    pack_scan(pack=pack, raw=label(phone, "SN-0002"), actor=packer)
    pack_scan(pack=pack, raw=label(phone, "SN-0001"), actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    assert [unit.serial for unit in serials_of_order(order)] == ["SN-0001", "SN-0002"]
    trace = serial_trace(product=phone, serial="SN-0002")
    assert (trace.order_number, trace.received_on) == (order.order_number, po.number)
    assert trace.tracking_number == pack.cartons.get().shipments.get().tracking_number
    assert serial_trace(product=phone, serial="SN-0404") is None
    assert_stock_invariants()


def test_a_product_that_is_not_serial_tracked_ignores_serials():
    ps = build_pick_site()
    mug = product(ps)
    po = make_po(ps.site, [(mug, 3)])
    receipt = receipt_open(purchase_order=po, actor=ps.receiver)
    receiving_scan(receipt=receipt, raw="x3", actor=ps.receiver)
    assert receiving_scan(receipt=receipt, raw=gtin_of(mug), actor=ps.receiver).ok
    assert not SerialUnit.objects.exists()
