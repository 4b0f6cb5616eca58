"""Consolidation: an order picked into several totes (a zone wave gives it one tote per zone) comes together
at the pack station before a unit of it is packed.

The pack station accepts every tote of the order (see ARCHITECTURE.md, "Consolidation", for why this and not
a put wall):

- a pack does not start while any part of the order is still being picked (a zone session still open);
- a pack of an order in several totes starts with every tote expected (`PackTote`); the tote scanned to
  start it is in, each other tote is scanned in at the station;
- when the last tote is in, every picked unit moves from its tote to the pack station through the ledger
  in one transaction, and the pack follows the pack station (`Pack.tote`) from then on;
- until then no unit is packed and nothing is closed or labelled (`consolidation_require`).

While a pack waits for totes, `Pack.tote` is empty: the units are in their slots' totes, which is where a
cancellation puts them back from.

Lock order: the scan's use case holds the order, the fulfillment order and the pack (the house order); the
totes' stock levels are locked together, sorted, before any unit moves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from inventory.models import Product
from inventory.services.levels import stock_levels_lock
from inventory.services.stock import stock_move
from layout.models import Bin
from warehouse.models import Pack, PackTote, PickLine, PickSession, PickSlot
from warehouse.outbound.services.packing import PackRefused
from warehouse.scanning import ScanKind, parse_scan
from warehouse.services.station_scans import StationReply

LIVE_SESSION = (PickSession.Status.OPEN, PickSession.Status.CLAIMED)


class NotConsolidated(PackRefused):
    """A unit of the order is still in another tote, or still being picked."""

    code = "not_consolidated"


@dataclass(frozen=True)
class StillPicking:
    session: PickSession
    units: int


def picking_still_open(fulfillment_id: int) -> list[StillPicking]:
    """The live pick sessions that still have units of this order to pick, with how many."""
    rows = (
        PickLine.objects.filter(slot__fulfillment_order_id=fulfillment_id, status=PickLine.Status.OPEN,
                                session__status__in=LIVE_SESSION)
        .values("session_id").annotate(units=Sum("qty") - Sum("picked_qty") - Sum("failed_qty"))
    )
    units = {row["session_id"]: row["units"] for row in rows}
    sessions = PickSession.objects.filter(pk__in=units).select_related("zone", "picker").order_by("pk")
    return [StillPicking(session, units[session.pk]) for session in sessions]


def order_totes(fulfillment_id: int) -> list[Bin]:
    """The totes holding picked units of this order: the totes of its slots with units picked into them."""
    return list(
        Bin.objects.filter(
            pk__in=PickSlot.objects.filter(fulfillment_order_id=fulfillment_id).annotate(
                picked=Count("lines", filter=Q(lines__picked_qty__gt=0) & ~Q(lines__status=PickLine.Status.CANCELLED))
            ).filter(picked__gt=0, tote__isnull=False).values("tote_id")
        ).order_by("code")
    )


def _still_picking_words(waiting: list[StillPicking]) -> str:
    words = []
    for w in waiting:
        zone, picker = w.session.zone, w.session.picker
        words.append(f"{w.units} unit(s) in {('zone ' + zone.code) if zone else 'session'} {w.session}"
                     + (f" ({picker.get_username()})" if picker else " (not started)"))
    return ", ".join(words)


def consolidation_check_picked(*, fulfillment, raw: str) -> None:
    """Refuse to start a pack while part of the order is still being picked elsewhere."""
    waiting = picking_still_open(fulfillment.pk)
    if waiting:
        raise NotConsolidated(f"{fulfillment.order.order_number} is still being picked: {_still_picking_words(waiting)}. "
                              f"Set {(raw or '').strip() or 'its tote'} aside until every tote of the order is here")


def consolidation_begin(*, pack: Pack, raw: str, actor) -> list[PackTote]:
    """Called by `pack_start` in its transaction (the pack is new): when the order's units are in several
    totes, every tote is expected at the station; the one scanned to start the pack is in."""
    if pack.tote is not None and pack.tote.kind == Bin.Kind.PACK_STATION:
        return []  # a pack given back after its units were consolidated: they wait at that station
    totes = order_totes(pack.fulfillment_order_id)
    if len(totes) <= 1:
        return []
    text = (raw or "").strip()
    scan = parse_scan(text) if text else None
    scanned = scan.code if scan is not None and scan.kind == ScanKind.TOTE else None
    now = timezone.now()
    who = actor if getattr(actor, "pk", None) else None
    rows = PackTote.objects.bulk_create([
        PackTote(pack=pack, tote=tote, arrived_at=now if tote.code == scanned else None,
                 arrived_by=who if tote.code == scanned else None)
        for tote in totes
    ])
    pack.tote = None  # the units are in their totes until the last one is in
    pack.save(update_fields=["tote"])
    return rows


def totes_waiting(pack: Pack) -> list[PackTote]:
    return list(PackTote.objects.filter(pack=pack, arrived_at__isnull=True).select_related("tote").order_by("tote__code"))


def consolidation_tote_scan(*, pack: Pack, code: str, actor) -> StationReply:
    """A tote scanned at the station while a pack is open: one of the order's totes coming in. Inside the
    scan's transaction, with the order, fulfillment order and pack locked by the caller."""
    row = PackTote.objects.filter(pack=pack, tote__code=code).select_related("tote").first()
    if row is None:
        order_number = pack.fulfillment_order.order.order_number
        expected = PackTote.objects.filter(pack=pack).values_list("tote__code", flat=True)
        raise NotConsolidated(f"tote {code} is not one of {order_number}'s"
                              + (f" (its totes: {', '.join(expected)})" if expected else ": its units are all here")
                              + "; set it aside")
    if row.arrived_at is not None:
        waiting = totes_waiting(pack)
        return StationReply(True, f"Tote {code} is already in" + _waiting_words(waiting), {"totes_waiting": len(waiting)})
    row.arrived_at = timezone.now()
    row.arrived_by = actor if getattr(actor, "pk", None) else None
    row.save(update_fields=["arrived_at", "arrived_by"])
    waiting = totes_waiting(pack)
    if waiting:
        return StationReply(True, f"Tote {code} in" + _waiting_words(waiting), {"totes_waiting": len(waiting)})
    moved = _units_to_station(pack, actor)
    return StationReply(True, f"Tote {code} in: all {PackTote.objects.filter(pack=pack).count()} totes of "
                              f"{pack.fulfillment_order.order.order_number} are here ({moved} unit(s)); scan every unit",
                        {"totes_waiting": 0, "consolidated": True})


def _waiting_words(waiting: list[PackTote]) -> str:
    if not waiting:
        return ""
    return f"; still to come: {', '.join(row.tote.code for row in waiting)}"


def _units_to_station(pack: Pack, actor) -> int:
    """Every picked unit of the order leaves its tote for the pack station, in one transaction."""
    waiting = picking_still_open(pack.fulfillment_order_id)
    if waiting:  # a short pick re-sourced into a live session after the pack started
        raise NotConsolidated(f"still being picked: {_still_picking_words(waiting)}")
    tote_ids = list(PackTote.objects.filter(pack=pack).values_list("tote_id", flat=True))
    per_tote: dict[tuple[int, int], int] = defaultdict(int)
    for tote_id, product_id, picked in (
        PickLine.objects.filter(slot__fulfillment_order_id=pack.fulfillment_order_id, slot__tote_id__in=tote_ids,
                                picked_qty__gt=0).exclude(status=PickLine.Status.CANCELLED)
        .values_list("slot__tote_id", "product_id", "picked_qty")
    ):
        per_tote[(tote_id, product_id)] += picked
    stock_levels_lock(keys={(product_id, pack.warehouse_id) for _, product_id in per_tote})
    totes = Bin.objects.in_bulk(tote_ids)
    products = Product.objects.in_bulk({product_id for _, product_id in per_tote})
    for (tote_id, product_id), qty in sorted(per_tote.items()):
        stock_move(product=products[product_id], from_bin=totes[tote_id], to_bin=pack.pack_bin, qty=qty, actor=actor,
                   reason=f"consolidated at {pack.pack_bin.code}", reference=f"consolidate:{pack.pk}")
    pack.tote = pack.pack_bin
    pack.save(update_fields=["tote"])
    return sum(per_tote.values())


def consolidation_require(pack: Pack) -> None:
    """No unit is packed, and nothing closed or labelled, while a unit of the order is elsewhere."""
    waiting_totes = totes_waiting(pack)
    if waiting_totes:
        raise NotConsolidated(f"scan the order's other tote(s) first: {', '.join(row.tote.code for row in waiting_totes)}")
    waiting = picking_still_open(pack.fulfillment_order_id)
    if waiting:
        raise NotConsolidated(f"{pack.fulfillment_order.order.order_number} is still being picked: "
                              f"{_still_picking_words(waiting)}")
