"""The warehouse's side of a cancellation: stop the work on a fulfillment order the OMS asked to cancel,
whatever state it is in, then report back (`orders.services.cancellation`).

- planned into a wave, not picked: its pick lines are cancelled (the session carries on without them);
- being picked: open lines cancelled, picked units go from the tote back to the bin they came from;
- picked, waiting in a tote (or a pack started): the same, the open pack is given up;
- packed at a pack station: the units go from the pack-station bin back to their bins;
- labelled: the labels are voided at the carrier first (no transaction open), then as packed;
- manifested (collected by the carrier): refused, it has left the building; the reason goes on the
  order's timeline and the fulfillment order carries on.

Every unit moves through `inventory.services` (ledger in the same transaction). Safe to run twice.
"""

from __future__ import annotations

from django.db import transaction

from core.actors import Actor
from core.errors import Conflict
from inventory.models import Reservation
from inventory.services.levels import stock_levels_lock
from inventory.services.reservations import stock_unpick
from orders.locks import lock_for_fulfillments
from orders.models import FulfillmentOrder
from orders.services.cancellation import fulfillment_cancel_confirm, fulfillment_cancel_refuse
from shipping.exceptions import VoidRefused
from shipping.models import Shipment
from shipping.services.shipments import shipment_void
from warehouse.models import Pack, PickLine, PickSession, PickSlot
from warehouse.outbound.services.lifecycles import pack_transition, pick_line_transition
from warehouse.outbound.services.picking import pick_session_finish_if_done


class CancelNotReady(Conflict):
    """Labels are still being bought for it: try again in a moment (the task retries)."""

    code = "cancel_not_ready"


def fulfillment_cancel(*, fulfillment_id: int, actor: Actor) -> str:
    """Stop the work on one fulfillment order in CANCEL_REQUESTED and report back. Returns what happened."""
    fulfillment = FulfillmentOrder.objects.filter(pk=fulfillment_id).first()
    if fulfillment is None or fulfillment.cancel_requested_at is None:
        return "nothing to stop: no cancel request is waiting"
    if Pack.objects.filter(fulfillment_order_id=fulfillment.pk, status=Pack.Status.CLOSING).exists():
        # Its close is buying labels right now: the close sees the request and gives up, or finishes; either
        # way the pack leaves CLOSING soon and this task (retried) then voids what was bought.
        raise CancelNotReady(f"FO-{fulfillment.pk} is being closed at a pack station")
    refused = _labels_void(fulfillment, actor)
    return _work_stop(fulfillment_id=fulfillment_id, actor=actor, refused=refused)


def _labels_void(fulfillment: FulfillmentOrder, actor: Actor) -> str:
    """The carrier calls, outside our transactions. Returns the carrier's refusal, if any."""
    shipments = Shipment.objects.filter(fulfillment_order_id=fulfillment.pk)
    if shipments.filter(status=Shipment.Status.SHIPPED).exists():
        return ""  # collected already: nothing is voided, the stop below refuses
    for shipment in shipments.filter(status=Shipment.Status.LABELLED).order_by("pk"):
        try:
            shipment_void(shipment=shipment, actor=actor, reason="the order is cancelled")
        except VoidRefused as exc:
            return str(exc)
    return ""


@transaction.atomic
def _work_stop(*, fulfillment_id: int, actor: Actor, refused: str) -> str:
    (fulfillment,) = lock_for_fulfillments([fulfillment_id])
    if fulfillment.cancel_requested_at is None:
        return "nothing to stop: already reported"
    collected = Shipment.objects.filter(fulfillment_order_id=fulfillment.pk, status=Shipment.Status.SHIPPED).first()
    if fulfillment.status == FulfillmentOrder.Status.SHIPPED or collected:
        how = f"{collected.carrier} {collected.tracking_number}" if collected else fulfillment.tracking_number
        reason = f"it has left the building ({how}, manifest closed)"
        fulfillment_cancel_refuse(fulfillment_id=fulfillment.pk, actor=actor, reason=reason)
        return f"refused: {reason}"
    if refused:
        fulfillment_cancel_refuse(fulfillment_id=fulfillment.pk, actor=actor, reason=f"the carrier refused the void: {refused}")
        return f"refused: {refused}"
    if Shipment.objects.filter(fulfillment_order_id=fulfillment.pk, status__in=(
            Shipment.Status.LABELLED, Shipment.Status.AWAITING_LABEL, Shipment.Status.VOIDING)).exists():
        raise CancelNotReady(f"FO-{fulfillment.pk} has a label that is being bought or not voided yet")
    if Pack.objects.filter(fulfillment_order_id=fulfillment.pk, status=Pack.Status.CLOSING).exists():
        raise CancelNotReady(f"FO-{fulfillment.pk} is being closed at a pack station")

    session_ids = PickSlot.objects.filter(fulfillment_order_id=fulfillment.pk).values("session_id")
    sessions = list(PickSession.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=session_ids).order_by("pk"))
    lines = list(
        PickLine.objects.select_for_update(of=("self",), no_key=True)
        .select_related("reservation", "bin", "slot__tote").filter(slot__fulfillment_order_id=fulfillment.pk).order_by("pk")
    )
    packs = list(
        Pack.objects.select_for_update(of=("self",), no_key=True).select_related("tote", "pack_bin")
        .filter(fulfillment_order_id=fulfillment.pk).order_by("pk")
    )
    stock_levels_lock(keys={(line.product_id, fulfillment.warehouse_id) for line in lines})
    reason = f"order cancelled: {fulfillment.cancel_reason}"
    latest = packs[-1] if packs else None
    put_back, stopped = 0, 0
    for line in lines:
        if line.picked_qty:
            # Where the units are now: the tote, or the pack station once a pack was closed.
            here = latest.tote if latest and latest.tote_id else line.slot.tote
            reservation = Reservation.objects.get(pk=line.reservation_id)
            qty = min(line.picked_qty, reservation.picked_qty)
            if qty and here is not None:
                stock_unpick(reservation=reservation, from_bin=here, to_bin=line.bin, qty=qty, actor=actor, reason=reason,
                             reference=f"cancel:FO-{fulfillment.pk}")
                put_back += qty
        if line.status == PickLine.Status.OPEN or line.picked_qty:
            stopped += line.status == PickLine.Status.OPEN
            pick_line_transition(line=line, to=PickLine.Status.CANCELLED, actor=actor, reason=reason)
    for pack in packs:
        if pack.status == Pack.Status.OPEN:
            pack.cartons.all().delete()  # nothing was labelled: the cartons were only a plan
        if pack.status != Pack.Status.CANCELLED:
            pack_transition(pack=pack, to=Pack.Status.CANCELLED, actor=actor, reason=reason)
    for session in sessions:
        if session.status in (PickSession.Status.OPEN, PickSession.Status.CLAIMED):
            pick_session_finish_if_done(session)
    voided = Shipment.objects.filter(fulfillment_order_id=fulfillment.pk, status=Shipment.Status.VOIDED).count()
    summary = (f"{stopped} pick line(s) stopped, {put_back} picked unit(s) put back in their bins"
               + (f", {voided} label(s) voided" if voided else ""))
    fulfillment_cancel_confirm(fulfillment_id=fulfillment.pk, actor=actor, summary=summary)
    return summary
