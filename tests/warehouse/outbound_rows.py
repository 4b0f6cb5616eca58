"""One row of every outbound thing (wave, pick session, slot, line, pack, carton, shipment) for a released
order, for tests that drive a lifecycle directly."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.models import Reservation
from shipping.models import Shipment
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.models import Carton, Pack, PickLine, PickSession, PickSlot, PickStrategy, Wave


@dataclass
class OutboundRows:
    wave: Wave
    session: PickSession
    line: PickLine
    pack: Pack
    carton: Carton
    shipment: Shipment
    actor: object


def outbound_rows() -> OutboundRows:
    ps = build_pick_site(shelves=1, totes=1)
    item = product(ps)
    put(item, ps.shelves[0], 1)
    order = released(ps, [(item, 1)])
    fulfillment = order.fulfillment_orders.get()
    reservation = Reservation.objects.get(order_line_id=order.lines.get().pk)
    wave = Wave.objects.create(warehouse=ps.warehouse)
    session = PickSession.objects.create(wave=wave, warehouse=ps.warehouse, strategy=PickStrategy.SINGLE)
    slot = PickSlot.objects.create(session=session, fulfillment_order=fulfillment, slot=1, tote=ps.totes[0])
    line = PickLine.objects.create(session=session, slot=slot, reservation=reservation, order_line_id=reservation.order_line_id,
                                   product=item, bin=ps.shelves[0], qty=1)
    pack = Pack.objects.create(fulfillment_order=fulfillment, warehouse=ps.warehouse, tote=ps.totes[0], pack_bin=ps.pack)
    carton = Carton.objects.create(pack=pack, number=1)
    shipment = Shipment.objects.create(carton=carton, warehouse=ps.warehouse, fulfillment_order=fulfillment,
                                       from_bin=ps.pack, weight_g=500, dimensions_mm=[300, 200, 100], reference=f"R-{pack.pk}")
    return OutboundRows(wave, session, line, pack, carton, shipment, ps.manager)
