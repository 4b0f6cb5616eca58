"""The demo, end to end as the demo users would do it: pick a wave, pack it, close the manifest."""

import pytest

from demo.data import seed_demo
from layout.models import Bin
from orders.models import Order
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.inventory.invariants import assert_stock_invariants
from warehouse.models import PickSession
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.pack_station import pack_station_scan
from warehouse.outbound.services.picking import pick_scan, pick_station_scan


@pytest.mark.django_db
def test_a_demo_wave_is_picked_packed_and_shipped(django_user_model):
    seed_demo()
    picker = django_user_model.objects.get(username="picker")
    packer = django_user_model.objects.get(username="packer")
    manager = django_user_model.objects.get(username="manager")
    warehouse = PickSession.objects.select_related("warehouse").order_by("id").first().warehouse
    assert pick_station_scan(warehouse=warehouse, raw="", actor=picker).ok
    session = PickSession.objects.get(picker=picker, status="claimed")
    while (line := current_line(session)) is not None:
        pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=picker)
        pick_scan(session=session, raw=f"x{line.remaining}", actor=picker)
        assert pick_scan(session=session, raw=line.product.sku, actor=picker).ok
    session.refresh_from_db()
    assert session.status == PickSession.Status.DONE

    station = Bin.objects.filter(warehouse=warehouse, kind=Bin.Kind.PACK_STATION).first()
    for slot in session.slots.select_related("tote", "fulfillment_order__order"):
        assert pack_station_scan(warehouse=warehouse, pack_bin=station, raw=f"TOTE:{slot.tote.code}", actor=packer).ok
        for line in slot.fulfillment_order.lines.select_related("order_line__product"):
            pack_station_scan(warehouse=warehouse, pack_bin=station, raw=f"x{line.qty}", actor=packer)
            assert pack_station_scan(warehouse=warehouse, pack_bin=station, raw=line.order_line.sku, actor=packer).ok
        reply = pack_station_scan(warehouse=warehouse, pack_bin=station, raw="CMD:DONE", actor=packer)
        assert reply.ok, reply.message
    for carrier in set(Shipment.objects.values_list("carrier", flat=True)):
        manifest_close(warehouse=warehouse, carrier=carrier, actor=manager)
    orders = Order.objects.filter(fulfillment_orders__pick_slots__session=session).distinct()
    assert orders and all(order.status == Order.Status.SHIPPED for order in orders)
    assert_stock_invariants()
