"""Wave planning: released fulfillment orders become pick sessions with lines from their reservations,
bins chosen first-expiry-first (FEFO) then oldest stock first (FIFO), sequenced along the walk."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from core.errors import DomainError
from inventory.models import Reservation
from layout.models import Warehouse
from layout.selectors import pack_out_point
from orders.models import FulfillmentOrder
from orders.services.fulfillment_progress import fulfillment_planned
from warehouse.models import PickLine, PickSession, PickSlot, PickStrategy, Wave
from warehouse.outbound.selectors import PlannedPick, plan_bins, wave_candidates
from warehouse.outbound.services.replenishment import replenishment_raise
from warehouse.outbound.services.walk_path import route_length, sequence_stops


class WavePlanningError(DomainError):
    code = "wave_planning"


@transaction.atomic
def wave_plan(
    *, warehouse: Warehouse, actor, strategy: str = PickStrategy.BATCH, orders_per_session: int = 6,
    max_orders: int | None = None, ship_by_before=None, fulfillment_ids=None,
) -> Wave:
    if strategy not in PickStrategy.values:
        raise WavePlanningError(f"unknown strategy {strategy!r} (one of {', '.join(PickStrategy.values)})")
    if not 1 <= orders_per_session <= 24:
        raise WavePlanningError("a cart holds 1 to 24 orders")
    candidates = wave_candidates(warehouse, ship_by_before=ship_by_before)
    if fulfillment_ids is not None:
        candidates = candidates.filter(pk__in=list(fulfillment_ids))
    # Two managers planning at once never put one order in two waves.
    fulfillments = list(candidates.select_for_update(skip_locked=True, of=("self",), no_key=True).select_related("order")[: max_orders or 500])
    if not fulfillments:
        raise WavePlanningError(f"no released orders waiting in {warehouse.code}")
    wave = Wave.objects.create(warehouse=warehouse, strategy=strategy, ship_by_before=ship_by_before,
                               created_by=actor if getattr(actor, "pk", None) else None)
    planned = {f.pk: _plan_picks(f) for f in fulfillments}
    shortfalls = [f"{f.order.order_number}" for f in fulfillments if not planned[f.pk]]
    fulfillments = [f for f in fulfillments if planned[f.pk]]
    if strategy == PickStrategy.ZONE:
        by_zone: dict[int, list] = defaultdict(list)
        for f in fulfillments:
            for pick in planned[f.pk]:
                by_zone[pick.bin.zone_id].append((f, pick))
        for zone_id, picks in sorted(by_zone.items()):
            _session(wave, picks, zone_id=zone_id)
    else:
        size = 1 if strategy == PickStrategy.SINGLE else orders_per_session
        for start in range(0, len(fulfillments), size):
            group = fulfillments[start:start + size]
            _session(wave, [(f, pick) for f in group for pick in planned[f.pk]])
    for f in sorted(fulfillments, key=lambda f: f.pk):
        fulfillment_planned(fulfillment_order_id=f.pk, actor=actor, wave=str(wave))
    replenishment_raise(warehouse=warehouse, actor=actor)  # faces this wave emptied, and what waiting orders need
    if shortfalls:
        wave.note = "No pickable stock found for: " + ", ".join(shortfalls)
        wave.save(update_fields=["note"])
    if not wave.sessions.exists():
        raise WavePlanningError(wave.note or "nothing to pick")
    return wave


def _plan_picks(fulfillment: FulfillmentOrder) -> list[PlannedPick]:
    picks = []
    for line in fulfillment.lines.select_related("order_line"):
        reservation = Reservation.objects.filter(
            order_line_id=line.order_line_id, warehouse_id=fulfillment.warehouse_id, qty__gt=0
        ).select_related("product").first()
        if reservation is None:
            continue
        picks += plan_bins(reservation, reservation.qty)
    return picks


def _session(wave: Wave, picks: list, *, zone_id: int | None = None) -> PickSession:
    fulfillments = list(dict.fromkeys(f for f, _ in picks))
    session = PickSession.objects.create(
        wave=wave, warehouse_id=wave.warehouse_id, zone_id=zone_id, strategy=wave.strategy,
        priority=max(f.order.priority for f in fulfillments),
        ship_by=min((f.ship_by for f in fulfillments if f.ship_by), default=None),
    )
    slots = {f.pk: PickSlot.objects.create(session=session, fulfillment_order=f, slot=n)
             for n, f in enumerate(fulfillments, start=1)}
    lines = [PickLine(session=session, slot=slots[f.pk], reservation=p.reservation, order_line_id=p.reservation.order_line_id,
                      product_id=p.reservation.product_id, bin=p.bin, lot=p.lot, qty=p.qty) for f, p in picks]
    resequence(session, lines)
    PickLine.objects.bulk_create(lines)
    return session


def resequence(session: PickSession, lines: list[PickLine]) -> None:
    """Number `lines` along the walk (lines at one bin share a stop) and record the route length."""
    start = pack_out_point(session.warehouse_id)
    start = (round(start[0]), round(start[1]))
    stops = list(dict.fromkeys((line.bin.walk_x, line.bin.walk_y) for line in lines))
    order = sequence_stops(start, stops)
    rank = {stops[i]: n for n, i in enumerate(order)}
    for line in lines:
        line.sequence = rank[(line.bin.walk_x, line.bin.walk_y)] * 100 + (line.slot.slot if line.slot_id else 0)
    session.route_length = route_length(start, [stops[i] for i in order])
    session.save(update_fields=["route_length"])
