"""Closing a pack: every picked unit verified into a carton, the address checked, a label bought per carton.

A failing address puts the order on hold for customer service instead of buying a label.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from orders.locks import lock_for_fulfillments
from orders.models import FulfillmentOrder
from orders.services.fulfillments import fulfillment_transition
from orders.services.holds import order_hold_for_address
from shipping.addresses import verify
from shipping.carriers.base import Parcel, is_international
from shipping.services.shipments import PackedItem, ship_from, ship_to, shipment_buy
from warehouse.models import Carton, CartonItem, Pack
from warehouse.outbound.services.packing import PackRefused, pack_lines, units_to_pack_out
from warehouse.services.station_scans import StationReply


@transaction.atomic
def pack_close(*, pack: Pack, actor) -> StationReply:
    lock_for_fulfillments([Pack.objects.values_list("fulfillment_order_id", flat=True).get(pk=pack.pk)])
    pack = Pack.objects.select_for_update(of=("self",)).select_related(
        "fulfillment_order__order__merchant", "fulfillment_order__warehouse", "tote", "pack_bin").get(pk=pack.pk)
    if pack.fulfillment_order.status != FulfillmentOrder.Status.PICKING:
        raise PackRefused(f"{pack.fulfillment_order.order.order_number} is "
                          f"{pack.fulfillment_order.get_status_display().lower()}: do not label it; set the cartons aside")
    missing = [line for line in pack_lines(pack) if line.missing > 0]
    if missing:
        raise PackRefused("missing: " + ", ".join(f"{line.missing} x {line.product.sku}" for line in missing)
                          + " not packed yet; scan them (or report them to a manager)")
    pack.cartons.filter(items__isnull=True).delete()
    cartons = list(pack.cartons.prefetch_related("items__product").select_related("carton_type"))
    fulfillment = pack.fulfillment_order
    order = fulfillment.order
    origin, destination = ship_from(fulfillment.warehouse), ship_to(order)
    check = verify(destination, international=is_international(origin, destination))
    if not check.ok:
        reason = "; ".join(check.problems)
        order_hold_for_address(order=order, reason=reason, actor=actor)
        return StationReply(False, f"Address problem: {reason}. {order.order_number} is on hold for customer service; "
                                   "set the cartons aside", {"code": "address_hold"})
    units_to_pack_out(pack, actor)
    shipments = []
    for carton in cartons:
        carton.weight_g = carton.weight_g or _computed_weight(carton)
        carton.status = Carton.Status.CLOSED
        carton.save(update_fields=["weight_g", "status"])
        items = [PackedItem(item.order_line_id, item.product, item.qty) for item in carton.items.all()]
        shipments.append(shipment_buy(carton=carton, fulfillment_order=fulfillment, from_bin=pack.pack_bin,
                                      parcel=_parcel(carton), items=items))
    pack.status, pack.packed_at, pack.pending_qty = Pack.Status.LABELLED, timezone.now(), None
    pack.save(update_fields=["status", "packed_at", "pending_qty"])
    fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.PACKED, actor=actor,
                           reason=f"packed and labelled at {pack.pack_bin.code}")
    labels = ", ".join(f"{s.carrier} {s.service} {s.tracking_number}" for s in shipments)
    return StationReply(True, f"{order.order_number} packed in {len(shipments)} carton(s): {labels}",
                        {"shipments": [s.pk for s in shipments], "pack_id": pack.pk})


def _computed_weight(carton: Carton) -> int:
    contents = sum(item.product.weight_g * item.qty for item in carton.items.all())
    return max(contents + (carton.carton_type.tare_g if carton.carton_type else 0), 1)


def _parcel(carton: Carton) -> Parcel:
    if carton.carton_type:
        kind = carton.carton_type
        return Parcel(weight_g=carton.weight_g, length_mm=kind.length_mm, width_mm=kind.width_mm, height_mm=kind.height_mm)
    items = list(CartonItem.objects.filter(carton=carton).select_related("product"))
    side = max([max(i.product.length_mm, i.product.width_mm, i.product.height_mm) for i in items] + [100])
    return Parcel(weight_g=carton.weight_g, length_mm=side, width_mm=side, height_mm=side)
