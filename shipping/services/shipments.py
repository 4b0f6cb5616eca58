"""Labels for packed cartons, voids before the carrier collects them, and ship confirmation when the
end-of-day manifest closes: units leave the building through the ledger, the order ships, the storefront
is told (through the order's outbox)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from inventory.models import Product, Reservation
from inventory.services.reservations import stock_ship
from orders.models import FulfillmentOrder
from orders.services.shipment_events import order_mark_shipped
from shipping.carrier_accounts import carrier_named, carriers_for
from shipping.carriers.base import CustomsItem, Parcel, is_international
from shipping.exceptions import VoidRefused
from shipping.manifest_pdf import render_manifest
from shipping.models import Manifest, Shipment
from shipping.rule_facts import choose_for
from shipping.selectors import ship_from, ship_to
from core.errors import Conflict


@dataclass(frozen=True)
class PackedItem:
    order_line_id: int
    product: Product
    qty: int


@transaction.atomic
def shipment_buy(*, carton, fulfillment_order: FulfillmentOrder, from_bin, parcel: Parcel,
                 items: Sequence[PackedItem]) -> Shipment:
    """Choose the rate by the merchant's shipping rules, buy the label, keep it with what the carton holds."""
    order = fulfillment_order.order
    origin, destination = ship_from(fulfillment_order.warehouse), ship_to(order)
    ship_date = timezone.localdate()
    carriers = carriers_for(order.merchant)
    rates = [rate for carrier in carriers for rate in carrier.rates(origin, destination, [parcel], ship_date)]
    choice = choose_for(order=order, items=items, parcel=parcel, rates=rates, ship_date=ship_date)
    customs = None
    if is_international(origin, destination):
        prices = {line.pk: line.unit_price for line in order.lines.all()}
        customs = [CustomsItem(description=item.product.name[:60], quantity=item.qty,
                               value=prices.get(item.order_line_id, 0) * item.qty, hs_code=item.product.hs_code,
                               origin_country=item.product.country_of_origin or origin.country,
                               weight_g=item.product.weight_g * item.qty) for item in items]
    carrier = carrier_named(carriers, choice.rate.carrier)
    label = carrier.buy_label(choice.rate, origin, destination, [parcel], reference=order.order_number, customs=customs)
    return Shipment.objects.create(
        carton=carton, warehouse=fulfillment_order.warehouse, fulfillment_order=fulfillment_order, from_bin=from_bin,
        contents=[{"order_line_id": i.order_line_id, "product_id": i.product.pk, "qty": i.qty} for i in items],
        carrier=label.carrier, service=label.service, rate_amount=choice.rate.amount, rate_currency=choice.rate.currency,
        rate_reason=choice.reason[:500], weight_g=parcel.weight_g, tracking_number=label.tracking_number,
        tracking_url=label.tracking_url,
        label_pdf=label.pdf, label_zpl=label.zpl, estimated_delivery=choice.rate.estimated_delivery,
        transit_days=choice.rate.transit_days,
    )


@transaction.atomic
def shipment_void(*, shipment: Shipment, actor) -> Shipment:
    """Before the manifest closes a label can be voided (the postage refunded)."""
    shipment = Shipment.objects.select_for_update().select_related("fulfillment_order__order").get(pk=shipment.pk)
    if shipment.status != Shipment.Status.LABELLED:
        raise VoidRefused(f"{shipment} is {shipment.get_status_display().lower()}: only a label not yet collected can be voided")
    carrier_named(carriers_for(shipment.fulfillment_order.order.merchant), shipment.carrier).void(shipment.tracking_number)
    shipment.status, shipment.voided_at = Shipment.Status.VOIDED, timezone.now()
    shipment.save(update_fields=["status", "voided_at"])
    return shipment


@transaction.atomic
def manifest_close(*, warehouse, carrier: str, actor) -> Manifest:
    """End of day for one carrier at one warehouse: every labelled carton is handed over. Each leaves the
    building through the ledger (`stock_ship` from the pack station), and each fulfillment order whose
    cartons are all collected ships (order status, tracking, storefront outbox)."""
    shipments = list(
        Shipment.objects.select_for_update(of=("self",)).filter(warehouse=warehouse, carrier=carrier, status=Shipment.Status.LABELLED)
        .select_related("fulfillment_order__order", "from_bin").order_by("id")
    )
    if not shipments:
        raise Conflict(f"no {carrier} labels waiting at {warehouse.code}")
    manifest = Manifest.objects.create(warehouse=warehouse, carrier=carrier, closed_by=actor if getattr(actor, "pk", None) else None)
    now = timezone.now()
    by_fulfillment: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in shipments:
        _ship_contents(shipment, actor)
        shipment.status, shipment.shipped_at, shipment.manifest = Shipment.Status.SHIPPED, now, manifest
        shipment.save(update_fields=["status", "shipped_at", "manifest"])
        by_fulfillment[shipment.fulfillment_order_id].append(shipment)
    for fulfillment_id, collected in by_fulfillment.items():
        fulfillment = collected[0].fulfillment_order
        if Shipment.objects.filter(fulfillment_order_id=fulfillment_id, status=Shipment.Status.LABELLED).exists():
            continue  # another carrier still has to collect a carton of it
        cartons = list(Shipment.objects.filter(fulfillment_order_id=fulfillment_id, status=Shipment.Status.SHIPPED).order_by("id"))
        lead = cartons[0]
        order_mark_shipped(order=fulfillment.order, fulfillment_order=fulfillment, carrier=lead.carrier, service=lead.service,
                           tracking_number=lead.tracking_number, tracking_url=lead.tracking_url,
                           package_tracking_numbers=[s.tracking_number for s in cartons], actor=actor)
    manifest.pdf = render_manifest(manifest, shipments)
    manifest.save(update_fields=["pdf"])
    return manifest


def _ship_contents(shipment: Shipment, actor) -> None:
    warehouse_id = shipment.warehouse_id
    for entry in shipment.contents:
        reservation = Reservation.objects.select_related("product").get(order_line_id=entry["order_line_id"], warehouse_id=warehouse_id)
        stock_ship(reservation=reservation, from_bin=shipment.from_bin, qty=entry["qty"], actor=actor,
                   reference=f"shipment:{shipment.pk}")

