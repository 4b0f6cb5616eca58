"""The pack station's one input: with no pack open a scan starts one (tote or order number); then every scan
goes to the open pack."""

from __future__ import annotations

from django.db import transaction

from layout.models import Bin, Warehouse

from warehouse.models import Pack
from warehouse.outbound.services.packing import pack_scan, pack_start
from warehouse.services.station_scans import StationReply


@transaction.atomic
def pack_station_scan(*, warehouse: Warehouse, pack_bin: Bin, raw: str, actor) -> StationReply:
    pack = Pack.objects.filter(warehouse=warehouse, status=Pack.Status.OPEN, packer=actor).first()
    if pack is not None:
        reply = pack_scan(pack=pack, raw=raw, actor=actor)
        reply.data["pack_id"] = pack.pk
        return reply
    pack = pack_start(warehouse=warehouse, pack_bin=pack_bin, raw=raw, actor=actor)
    order = pack.fulfillment_order.order
    carton = pack.cartons.select_related("carton_type").first()
    box = f"carton {carton.carton_type.code}" if carton and carton.carton_type else "a carton"
    return StationReply(True, f"Packing {order.order_number} into {box}: scan every unit", {"pack_id": pack.pk})
