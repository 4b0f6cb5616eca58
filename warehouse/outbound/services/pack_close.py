"""Closing a pack: every picked unit verified into a carton, the address checked, a label bought per carton.

No carrier call runs inside a transaction. A close is three steps:

1. `pack_close_begin`, in the scan's transaction with the pack locked: verify, close the cartons, record
   one shipment per carton awaiting its label (each with its idempotency reference); the pack is CLOSING.
2. `pack_close_labels`, with no transaction open: buy each carton's label (`shipment_label_buy`).
3. `pack_close_finish`, one transaction: the units move from the tote to the pack station through the
   ledger and the pack is LABELLED.

When a carton's label cannot be bought, `pack_close_undo` gives up the shipments not yet bought, voids the
labels already bought at the carrier, and opens the pack again with the reason; no stock has moved. A close
interrupted by a crash is picked up by `pack_closes_sweep` (buying again with the same references, or
undoing). A failing address puts the order on hold for customer service instead of buying a label.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.lifecycle import IllegalTransition
from core.reasons import REASON_MAX_LENGTH
from orders.locks import lock_for_fulfillments
from orders.models import FulfillmentOrder
from orders.services.fulfillment_progress import fulfillment_packed_report
from orders.services.fulfillments import fulfillment_transition
from orders.services.holds import order_hold_for_address
from shipping.addresses import verify
from shipping.carriers.base import Parcel, is_international
from shipping.exceptions import VoidRefused
from shipping.models import Shipment
from shipping.selectors import ship_from, ship_to
from shipping.services.shipments import (
    PackedItem,
    shipment_cancel,
    shipment_label_buy,
    shipment_request,
    shipment_void,
)
from warehouse.models import Carton, CartonItem, Pack
from warehouse.outbound.selectors import pack_lines
from warehouse.outbound.services.consolidation import consolidation_require
from warehouse.outbound.services.lifecycles import carton_transition, pack_transition
from warehouse.outbound.services.packing import PackRefused, units_to_pack_out
from warehouse.services.station_scans import StationReply

log = logging.getLogger(__name__)
SWEEP_ACTOR = "pack close sweep"
LIVE_SHIPMENT = (Shipment.Status.AWAITING_LABEL, Shipment.Status.LABELLED, Shipment.Status.VOIDING)


def pack_close(*, pack: Pack, actor) -> StationReply:
    """The whole close, for callers outside a station scan. Call it with no transaction open."""
    with transaction.atomic():
        reply = pack_close_begin(pack=pack, actor=actor)
    return reply.then() if reply.then else reply


def _locked(pack_id: int) -> Pack:
    return Pack.objects.select_for_update(of=("self",), no_key=True).select_related(
        "fulfillment_order__order__merchant", "fulfillment_order__warehouse", "tote", "pack_bin").get(pk=pack_id)


def pack_close_begin(*, pack: Pack, actor) -> StationReply:
    """Step 1, inside the caller's transaction. The reply's `then` buys the labels once it has committed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("pack_close_begin runs inside the scan's transaction")
    # Order, then fulfillment order, then the pack (the house lock order): a cancel racing this close waits.
    lock_for_fulfillments([Pack.objects.values_list("fulfillment_order_id", flat=True).get(pk=pack.pk)])
    pack = _locked(pack.pk)
    if pack.status != Pack.Status.OPEN:
        raise PackRefused(f"{pack} is {pack.get_status_display().lower()}")
    if pack.fulfillment_order.status != FulfillmentOrder.Status.PICKING:
        raise PackRefused(f"{pack.fulfillment_order.order.order_number} is "
                          f"{pack.fulfillment_order.get_status_display().lower()}: do not label it; set the cartons aside")
    consolidation_require(pack)
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
    for carton in cartons:
        if not carton.weight_g:
            carton.weight_g = _computed_weight(carton)
            carton.save(update_fields=["weight_g"])
        carton_transition(carton=carton, to=Carton.Status.CLOSED, actor=actor, reason="pack closed")
        items = [PackedItem(item.order_line_id, item.product, item.qty) for item in carton.items.all()]
        shipment_request(carton=carton, fulfillment_order=fulfillment, from_bin=pack.pack_bin, parcel=_parcel(carton),
                         items=items)
    pack_transition(pack=pack, to=Pack.Status.CLOSING, actor=actor, reason=f"{len(cartons)} label(s) to buy",
                    extra={"closing_since": timezone.now(), "close_problem": "", "pending_qty": None})
    return StationReply(True, f"{order.order_number}: buying {len(cartons)} label(s)", {"pack_id": pack.pk, "closing": True},
                        then=partial(pack_close_labels, pack=pack, actor=actor))


def pack_close_labels(*, pack: Pack, actor) -> StationReply:
    """Step 2, with no transaction open: buy every label still awaited, then finish; undo on the first failure."""
    waiting = (Shipment.objects.filter(carton__pack_id=pack.pk, status=Shipment.Status.AWAITING_LABEL)
               .select_related("carton").order_by("carton__number", "id"))
    for shipment in waiting:
        if FulfillmentOrder.objects.filter(pk=pack.fulfillment_order_id, cancel_requested_at__isnull=False).exists():
            return pack_close_undo(pack=pack, actor=actor, reason="the order is being cancelled: no label bought")
        try:
            shipment_label_buy(shipment=shipment, actor=actor)
        except DomainError as exc:
            return pack_close_undo(pack=pack, actor=actor, reason=f"carton {shipment.carton_number}: {exc.message}")
        except Exception:
            pack_close_undo(pack=pack, actor=actor, reason=f"carton {shipment.carton_number}: the label purchase failed")
            raise
    return pack_close_finish(pack=pack, actor=actor)


@transaction.atomic
def pack_close_finish(*, pack: Pack, actor) -> StationReply:
    """Step 3: every carton is labelled, so the units go to the pack station and the pack is labelled."""
    lock_for_fulfillments([Pack.objects.values_list("fulfillment_order_id", flat=True).get(pk=pack.pk)])
    pack = _locked(pack.pk)
    shipments = list(Shipment.objects.select_related("carton").filter(carton__pack=pack, status__in=LIVE_SHIPMENT)
                     .exclude(status=Shipment.Status.VOIDING).order_by("carton__number", "id"))
    if pack.status == Pack.Status.LABELLED:
        return _packed(pack, shipments)
    if pack.status != Pack.Status.CLOSING or pack.close_problem:
        raise PackRefused(f"{pack} is {pack.get_status_display().lower()}" + (f": {pack.close_problem}" if pack.close_problem else ""))
    unlabelled = [s for s in shipments if s.status != Shipment.Status.LABELLED]
    if unlabelled or not shipments:
        raise PackRefused(f"{pack}: {len(unlabelled)} carton(s) still wait for a label")
    units_to_pack_out(pack, actor)
    pack_transition(pack=pack, to=Pack.Status.LABELLED, actor=actor, reason="every carton labelled",
                    extra={"packed_at": timezone.now(), "pending_qty": None, "closing_since": None})
    fulfillment = pack.fulfillment_order
    # A cancel requested while the labels were bought keeps its request: its task voids them and puts the units back.
    if fulfillment.status == FulfillmentOrder.Status.PICKING:
        fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.PACKED, actor=actor,
                               reason=f"packed and labelled at {pack.pack_bin.code}")
    _report_packed(pack, shipments)
    return _packed(pack, shipments)


def _report_packed(pack: Pack, shipments: list[Shipment]) -> None:
    """The order.packed event: every labelled carton with its units."""
    lines: dict[int, int] = {}
    units_by_carton: dict[int, int] = {}
    for carton_id, order_line_id, qty in CartonItem.objects.filter(carton__pack=pack).values_list(
            "carton_id", "order_line_id", "qty"):
        lines[order_line_id] = lines.get(order_line_id, 0) + qty
        units_by_carton[carton_id] = units_by_carton.get(carton_id, 0) + qty
    cartons = [
        {"carton": s.carton_number, "tracking_number": s.tracking_number, "carrier": s.carrier, "service": s.service,
         "weight_g": s.weight_g, "units": units_by_carton.get(s.carton_id, 0)}
        for s in shipments
    ]
    fulfillment_packed_report(fulfillment_order_id=pack.fulfillment_order_id, cartons=cartons, lines=lines)


def _packed(pack: Pack, shipments: list[Shipment]) -> StationReply:
    labels = ", ".join(f"{s.carrier} {s.service} {s.tracking_number}" for s in shipments)
    return StationReply(True, f"{pack.fulfillment_order.order.order_number} packed in {len(shipments)} carton(s): {labels}",
                        {"shipments": [s.pk for s in shipments], "pack_id": pack.pk})


def pack_close_undo(*, pack: Pack, actor, reason: str) -> StationReply:
    """A carton could not be labelled: no label of this close may stay bought, and no stock has moved. With no
    transaction open: the reason is recorded first (a crash from here on is finished by the sweep), the
    shipments not yet bought are given up, the bought labels voided at the carrier, and the pack opens again."""
    undoing = _undo_begin(pack.pk, reason)
    if undoing is None:
        return StationReply(False, f"No label bought: {reason}", {"code": "label_failed"})
    pack = undoing
    shipments = list(Shipment.objects.filter(carton__pack=pack, status__in=LIVE_SHIPMENT).order_by("id"))
    for shipment in shipments:
        if shipment.status == Shipment.Status.AWAITING_LABEL:
            try:
                shipment_cancel(shipment=shipment, actor=actor, reason=f"pack {pack} reopened: {reason}")
            except IllegalTransition:
                pass  # bought meanwhile (a sweep): voided below
    refused = []
    for shipment in Shipment.objects.filter(carton__pack=pack, status__in=LIVE_SHIPMENT).order_by("id"):
        try:
            shipment_void(shipment=shipment, actor=actor, reason=f"pack {pack} reopened: {reason}"[:REASON_MAX_LENGTH])
        except VoidRefused as exc:
            refused.append(exc.message)
    order_number = pack.fulfillment_order.order.order_number
    if refused:
        return StationReply(False, f"No label for {order_number}: {reason}. A label already bought could not be voided yet "
                                   f"({'; '.join(refused)}); it is retried, and the pack opens once it is voided",
                            {"code": "void_pending", "pack_id": pack.pk})
    _reopen(pack.pk, actor, reason)
    return StationReply(False, f"No label for {order_number}: {reason}. Labels already bought were voided and nothing "
                               "moved; the pack is still open: fix it and CMD:DONE again",
                        {"code": "label_failed", "pack_id": pack.pk})


@transaction.atomic
def _undo_begin(pack_id: int, reason: str) -> Pack | None:
    pack = _locked(pack_id)
    if pack.status != Pack.Status.CLOSING:
        return None
    pack.close_problem = reason[:500]
    pack.save(update_fields=["close_problem"])
    return pack


@transaction.atomic
def _reopen(pack_id: int, actor, reason: str) -> None:
    pack = _locked(pack_id)
    if pack.status != Pack.Status.CLOSING:
        return
    pack_transition(pack=pack, to=Pack.Status.OPEN, actor=actor, reason=reason,
                    extra={"close_problem": reason[:500], "closing_since": None})
    last = pack.cartons.select_for_update(of=("self",), no_key=True).order_by("-number").first()
    if last is not None:
        carton_transition(carton=last, to=Carton.Status.OPEN, actor=actor, reason="the close failed; packing goes on")


# --- crash recovery ----------------------------------------------------------------------------------------

def pack_close_resume(*, pack: Pack, actor) -> StationReply:
    """Finish a close left half-done (no transaction open): buy the labels still awaited with their own
    references and finish, or carry on undoing a close that had failed."""
    pack = Pack.objects.get(pk=pack.pk)
    if pack.status != Pack.Status.CLOSING:
        return StationReply(True, f"{pack} is {pack.get_status_display().lower()}", {"pack_id": pack.pk})
    if pack.close_problem:
        return pack_close_undo(pack=pack, actor=actor, reason=pack.close_problem)
    return pack_close_labels(pack=pack, actor=actor)


def pack_closes_sweep(*, older_than_s: int = 600, limit: int = 50) -> dict[str, int]:
    """Closes that have waited longer than any live close could (the station crashed between its steps):
    each is leased (so two sweeps never work on one) and resumed."""
    outcome = {"labelled": 0, "reopened": 0, "failed": 0}
    stale = list(Pack.objects.filter(status=Pack.Status.CLOSING, closing_since__lt=_cutoff(older_than_s))
                 .order_by("closing_since").values_list("pk", flat=True)[:limit])
    for pack_id in stale:
        pack = _lease(pack_id, older_than_s)
        if pack is None:
            continue
        try:
            reply = pack_close_resume(pack=pack, actor=SWEEP_ACTOR)
        except Exception:
            log.exception("resuming the close of pack %s failed", pack_id)
            outcome["failed"] += 1
            continue
        outcome["labelled" if reply.ok else "reopened"] += 1
    return outcome


def _cutoff(older_than_s: int):
    return timezone.now() - timedelta(seconds=older_than_s)


@transaction.atomic
def _lease(pack_id: int, older_than_s: int) -> Pack | None:
    pack = (Pack.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
            .filter(pk=pack_id, status=Pack.Status.CLOSING, closing_since__lt=_cutoff(older_than_s)).first())
    if pack is not None:
        pack.closing_since = timezone.now()
        pack.save(update_fields=["closing_since"])
    return pack


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
