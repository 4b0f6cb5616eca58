"""Pack verification: scan the tote (or the order number), then every unit into the carton.

A unit that is not in the order, one unit too many, or a unit left unpacked blocks closing, with the
reason. Closing (`warehouse.outbound.services.pack_close`) buys a label per carton with no transaction open,
then moves the units from the tote to the pack station through the ledger; the order ships when the
carrier's manifest is closed.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.db import transaction
from django.db.models import F

from core.errors import Conflict, DomainError
from core.reasons import clean_reason
from inventory.models import Product
from inventory.services.stock import stock_move
from layout.models import Bin, Warehouse
from orders.locks import lock_for_fulfillments
from orders.models import FulfillmentOrder
from orders.services.fulfillments import fulfillment_transition
from warehouse.models import Carton, CartonItem, CartonType, Pack, PickSession, PickSlot
from warehouse.outbound.selectors import PackLine, carton_suggest, pack_lines
from warehouse.outbound.services.lifecycles import carton_transition, pack_transition
from warehouse.scanning import ScanKind, parse_scan
from warehouse.services.scan_match import scan_units
from warehouse.services.serials import serial_pack, serial_required
from warehouse.services.station_scans import StationReply

WEIGHT = re.compile(r"^(?:W:(?P<grams>\d{1,6})|(?P<kg>\d{1,3}(?:\.\d{1,3})?)\s*KG)$", re.I)


class PackRefused(DomainError):
    code = "pack_refused"


@transaction.atomic
def pack_start(*, warehouse: Warehouse, pack_bin: Bin, raw: str, actor) -> Pack:
    """Scan a tote from a finished pick session (or type the order number) to start packing it."""
    if pack_bin.warehouse_id != warehouse.pk or pack_bin.kind != Bin.Kind.PACK_STATION:
        raise PackRefused(f"{pack_bin.code} is not a pack station of {warehouse.code}")
    mine = Pack.objects.filter(warehouse=warehouse, status=Pack.Status.OPEN, packer=actor).first()
    if mine:
        raise PackRefused(f"finish {mine} first (or CMD:RELEASE it)")
    fulfillment, tote = _fulfillment_for(warehouse, raw)
    fulfillment = FulfillmentOrder.objects.select_for_update(of=("self",), no_key=True).get(pk=fulfillment.pk)
    if fulfillment.status != FulfillmentOrder.Status.PICKING:
        raise PackRefused(f"{fulfillment.order.order_number} is {fulfillment.get_status_display().lower()}, not waiting to be packed")
    live = (Pack.objects.filter(fulfillment_order=fulfillment, status__in=[Pack.Status.OPEN, Pack.Status.CLOSING])
            .select_related("packer").first())
    if live and live.status == Pack.Status.CLOSING:
        raise PackRefused(f"{fulfillment.order.order_number} is being closed ({live}): its labels are being bought")
    if live:
        raise PackRefused(f"{fulfillment.order.order_number} is being packed by {live.packer}")
    from warehouse.outbound.services.consolidation import consolidation_begin, consolidation_check_picked

    consolidation_check_picked(fulfillment=fulfillment, raw=raw)
    previous = Pack.objects.filter(fulfillment_order=fulfillment, status=Pack.Status.CANCELLED).order_by("-id").first()
    if previous is not None:
        tote = previous.tote  # where the units are now: the tote, or a pack station after a voided label
    pack = Pack.objects.create(fulfillment_order=fulfillment, warehouse=warehouse, tote=tote, pack_bin=pack_bin, packer=actor if getattr(actor, "pk", None) else None)
    if not any(line.expected for line in pack_lines(pack)):
        raise PackRefused(f"nothing of {fulfillment.order.order_number} has been picked")
    consolidation_begin(pack=pack, raw=raw, actor=actor)
    _new_carton(pack)
    return pack


def _fulfillment_for(warehouse: Warehouse, raw: str) -> tuple[FulfillmentOrder, Bin | None]:
    text = (raw or "").strip()
    scan = parse_scan(text) if text else None
    if scan is not None and scan.kind == ScanKind.TOTE:
        slot = (
            PickSlot.objects.filter(tote__warehouse=warehouse, tote__code=scan.code, session__status=PickSession.Status.DONE,
                                    fulfillment_order__status=FulfillmentOrder.Status.PICKING)
            .select_related("fulfillment_order__order", "tote").order_by("-session__completed_at").first()
        )
        if slot is None:
            raise PackRefused(f"tote {scan.code} holds no picked order waiting to be packed")
        return slot.fulfillment_order, slot.tote
    fulfillment = (
        FulfillmentOrder.objects.filter(warehouse=warehouse, order__order_number=text, status=FulfillmentOrder.Status.PICKING)
        .select_related("order").first()
    )
    if fulfillment is None:
        raise PackRefused(f"scan a tote (TOTE:...) or an order number waiting to be packed; {text!r} is neither")
    slot = fulfillment.pick_slots.filter(session__status=PickSession.Status.DONE).select_related("tote").last()
    return fulfillment, slot.tote if slot else None


def pack_scan(*, pack: Pack, raw: str, actor) -> StationReply:
    """One scan at the pack station: an item, `x3` then an item, BOX:<code> for the carton type, W:<grams>
    or 1.2kg for the weight, CMD:NEWBOX for another carton, CMD:DONE to close and label, CMD:RELEASE.

    CMD:DONE buys the labels after the scan's transaction has committed: call this with no transaction
    open. (Stations apply `pack_scan_step` through `apply_scan_once`, which does the same.)"""
    reply = pack_scan_step(pack=pack, raw=raw, actor=actor)
    return reply.then() if reply.then else reply


@transaction.atomic
def pack_scan_step(*, pack: Pack, raw: str, actor) -> StationReply:
    """The scan's own transaction; a close leaves the label purchase in the reply's `then`."""
    lock_for_fulfillments([pack.fulfillment_order_id])  # lock order: order, fulfillment order, then the pack
    pack = _locked_own_pack(pack, actor)
    text = (raw or "").strip()
    carton = pack.cartons.filter(status=Carton.Status.OPEN).order_by("-number").first() or _new_carton(pack)
    if text.upper().startswith("BOX:"):
        carton_type = CartonType.objects.filter(code__iexact=text[4:].strip(), is_active=True).first()
        if carton_type is None:
            raise PackRefused(f"no carton type {text[4:].strip()!r}")
        carton.carton_type = carton_type
        carton.save(update_fields=["carton_type"])
        return StationReply(True, f"Carton {carton.number}: {carton_type}")
    weight = WEIGHT.match(text.replace(",", "."))
    if weight:
        grams = int(weight["grams"]) if weight["grams"] else round(float(weight["kg"]) * 1000)
        if grams <= 0:
            raise PackRefused("a weight must be above 0")
        carton.weight_g = grams
        carton.save(update_fields=["weight_g"])
        return StationReply(True, f"Carton {carton.number} weighs {grams / 1000:.3f} kg")
    scan = parse_scan(text)
    if scan.kind == ScanKind.QTY:
        pack.pending_qty = scan.qty
        pack.save(update_fields=["pending_qty"])
        return StationReply(True, f"Quantity {scan.qty}: now scan the item")
    if scan.kind == ScanKind.COMMAND and scan.code == "NEWBOX":
        if not carton.items.exists():
            raise PackRefused(f"carton {carton.number} is still empty")
        carton_transition(carton=carton, to=Carton.Status.CLOSED, actor=actor, reason="new carton")
        new = _new_carton(pack)
        return StationReply(True, f"Carton {carton.number} closed; packing into carton {new.number}")
    if scan.kind == ScanKind.COMMAND and scan.code == "RELEASE":
        pack_release(pack=pack, actor=actor)
        return StationReply(True, "Pack given back: the order waits at pack-out", {"released": True})
    if scan.kind == ScanKind.COMMAND and scan.code == "DONE":
        from warehouse.outbound.services.pack_close import pack_close_begin

        return pack_close_begin(pack=pack, actor=actor)
    if scan.kind == ScanKind.TOTE:
        from warehouse.outbound.services.consolidation import consolidation_tote_scan

        return consolidation_tote_scan(pack=pack, code=scan.code, actor=actor)
    if scan.is_product:
        from warehouse.outbound.services.consolidation import consolidation_require

        consolidation_require(pack)
        qty = pack.pending_qty or (scan.count or 1)
        line, qty = _line_for(pack, scan, qty)
        serial = serial_required(line.product, scan, qty)
        if serial:
            serial_pack(product=line.product, serial=serial, carton=carton, order_line_id=line.order_line_id)
        item, created = CartonItem.objects.get_or_create(carton=carton, order_line_id=line.order_line_id,
                                                         defaults={"product": line.product, "qty": qty})
        if not created:
            CartonItem.objects.filter(pk=item.pk).update(qty=F("qty") + qty)
        pack.pending_qty = None
        pack.save(update_fields=["pending_qty"])
        left = sum(line.missing for line in pack_lines(pack))
        return StationReply(True, f"{qty} x {line.product.sku} into carton {carton.number}: "
                            + (f"{left} unit(s) to go" if left else "all packed, CMD:DONE to close"),
                            {"left": left, "carton": carton.number})
    raise PackRefused("scan an item, BOX:<type>, a weight (W:1250) or a command")


def _line_for(pack: Pack, scan, qty: int) -> tuple[PackLine, int]:
    """The line a scan of `qty` (eaches, or packs for an inner or case GTIN) goes to, and its eaches."""
    lines = pack_lines(pack)
    units = {line.order_line_id: scan_units(scan, line.product) for line in lines}
    matches = [line for line in lines if units[line.order_line_id]]
    if not matches:
        raise PackRefused(f"wrong item: {scan.gtin or scan.code} is not in order {pack.fulfillment_order.order.order_number}")
    qty *= units[matches[0].order_line_id]
    for line in matches:
        if line.missing >= qty:
            return line, qty
    have = sum(line.expected for line in matches)
    raise PackRefused(f"extra unit: the order has {have} x {matches[0].product.sku} and "
                      f"{sum(line.packed for line in matches)} are packed; {qty} more would be too many")


def _new_carton(pack: Pack) -> Carton:
    number = (pack.cartons.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Carton.objects.create(pack=pack, number=number, carton_type=carton_suggest(pack))


@transaction.atomic
def pack_release(*, pack: Pack, actor) -> Pack:
    """Stop packing: the cartons are emptied and the order waits at pack-out for the next packer."""
    pack = Pack.objects.select_for_update(of=("self",), no_key=True).get(pk=pack.pk)
    if pack.status != Pack.Status.OPEN:
        raise Conflict(f"{pack} is {pack.get_status_display().lower()}")
    pack.cartons.all().delete()
    pack_transition(pack=pack, to=Pack.Status.CANCELLED, actor=actor, reason="released")
    return pack


def _locked_own_pack(pack: Pack, actor) -> Pack:
    pack = Pack.objects.select_for_update(of=("self",), no_key=True).select_related(
        "fulfillment_order__order", "warehouse", "tote", "pack_bin", "packer").get(pk=pack.pk)
    if pack.status != Pack.Status.OPEN:
        raise PackRefused(f"{pack} is {pack.get_status_display().lower()}")
    if pack.packer_id != getattr(actor, "pk", None):
        raise PackRefused(f"{pack} is being packed by {pack.packer}")
    return pack


def units_to_pack_out(pack: Pack, actor) -> None:
    """The packed units leave the tote for the pack station through the ledger (freeing the tote)."""
    if pack.tote_id is None or pack.tote_id == pack.pack_bin_id:
        return
    per_product: dict[int, int] = defaultdict(int)
    for item in CartonItem.objects.filter(carton__pack=pack).select_related("product"):
        per_product[item.product_id] += item.qty
    for product in Product.objects.filter(pk__in=per_product):
        stock_move(product=product, from_bin=pack.tote, to_bin=pack.pack_bin, qty=per_product[product.pk], actor=actor,
                   reason=f"packed at {pack.pack_bin.code}", reference=f"pack:{pack.pk}")
    pack.tote = pack.pack_bin
    pack.save(update_fields=["tote"])


def pack_void(*, shipment, actor, reason: str) -> Pack:
    """Void a carton's label before the carrier collects it: the whole pack goes back to be packed again
    (its units wait at the pack station), and the order is visible at pack-out. The voids talk to the
    carrier: call this with no transaction open. A void the carrier refuses is raised (`VoidRefused`) and
    leaves the pack labelled, with that label still valid."""
    from shipping.models import Shipment
    from shipping.services.shipments import shipment_void

    reason = clean_reason(reason)
    pack = Pack.objects.get(cartons__pk=shipment.carton_id)
    if pack.status == Pack.Status.CLOSING:
        raise Conflict(f"{pack} is being closed: its labels are being bought; void once it is labelled")
    shipment_void(shipment=shipment, actor=actor, reason=reason)
    for other in Shipment.objects.filter(carton__pack=pack, status__in=[Shipment.Status.LABELLED, Shipment.Status.VOIDING]):
        shipment_void(shipment=other, actor=actor, reason=reason)
    return _pack_cancel_voided(pack.pk, actor)


@transaction.atomic
def _pack_cancel_voided(pack_id: int, actor) -> Pack:
    from shipping.models import Shipment

    lock_for_fulfillments([Pack.objects.values_list("fulfillment_order_id", flat=True).get(pk=pack_id)])
    pack = Pack.objects.select_for_update(of=("self",), no_key=True).get(pk=pack_id)
    if pack.status == Pack.Status.CANCELLED:
        return pack
    live = Shipment.objects.filter(carton__pack=pack).exclude(status__in=[Shipment.Status.VOIDED, Shipment.Status.CANCELLED])
    if live.exists():
        raise Conflict(f"{pack} still has a label that is not voided")
    pack_transition(pack=pack, to=Pack.Status.CANCELLED, actor=actor, reason="labels voided")
    fulfillment = FulfillmentOrder.objects.get(pk=pack.fulfillment_order_id)
    if fulfillment.status == FulfillmentOrder.Status.PACKED:  # a cancel in progress keeps its own status
        fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.PICKING, actor=actor,
                               reason="labels voided: waiting at pack-out to be packed again")
    return pack
