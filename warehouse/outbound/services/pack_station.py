"""The pack station's one input: with no pack open a scan starts one (tote or order number); then every scan
goes to the open pack."""

from __future__ import annotations

from django.db import transaction

from layout.models import Bin, Warehouse
from warehouse.models import Pack
from warehouse.outbound.services.consolidation import totes_waiting
from warehouse.outbound.services.packing import pack_scan_step, pack_start
from warehouse.services.station_scans import StationReply


def pack_station_scan(*, warehouse: Warehouse, pack_bin: Bin, raw: str, actor) -> StationReply:
    """Call with no transaction open: closing a pack buys its labels after the scan's transaction commits."""
    reply = pack_station_scan_step(warehouse=warehouse, pack_bin=pack_bin, raw=raw, actor=actor)
    return reply.then() if reply.then else reply


@transaction.atomic
def pack_station_scan_step(*, warehouse: Warehouse, pack_bin: Bin, raw: str, actor) -> StationReply:
    """The scan's own transaction, for `apply_scan_once` (which runs the reply's `then` after the commit)."""
    pack = Pack.objects.filter(warehouse=warehouse, status=Pack.Status.OPEN, packer=actor).first()
    if pack is not None:
        reply = pack_scan_step(pack=pack, raw=raw, actor=actor)
        reply.data["pack_id"] = pack.pk
        return reply
    pack = pack_start(warehouse=warehouse, pack_bin=pack_bin, raw=raw, actor=actor)
    order = pack.fulfillment_order.order
    waiting = totes_waiting(pack)
    if waiting:
        return StationReply(True, f"Packing {order.order_number}: its units are in {pack.totes.count()} totes; "
                                  f"scan the other tote(s): {', '.join(row.tote.code for row in waiting)}",
                            {"pack_id": pack.pk, "totes_waiting": len(waiting)})
    carton = pack.cartons.select_related("carton_type").first()
    box = f"carton {carton.carton_type.code}" if carton and carton.carton_type else "a carton"
    return StationReply(True, f"Packing {order.order_number} into {box}: scan every unit", {"pack_id": pack.pk})
