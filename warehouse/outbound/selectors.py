"""Reads of outbound work: wave candidates, where picks come from, the line a picker is on, what a pack must
hold and the carton it needs. Writes live in `warehouse.outbound.services`.

The `*_for` reads take a page of rows and answer for all of them in a fixed number of queries, so list
endpoints do not grow a query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from inventory.models import BinStock, Condition, Merchant, Product, Reservation
from layout.models import Bin, Warehouse
from orders.models import FulfillmentLine, FulfillmentOrder, OrderLine
from shipping.models import Shipment
from warehouse.models import CartonItem, CartonType, Pack, PackingSlipTemplate, PackTote, PickLine, PickSession, Wave

DONE_LINES = [PickLine.Status.PICKED, PickLine.Status.FAILED]


# --- waves ---------------------------------------------------------------------------------


@dataclass
class PlannedPick:
    reservation: Reservation
    bin: Bin
    lot: str
    qty: int


def wave_candidates(warehouse: Warehouse, *, ship_by_before=None):
    """Released fulfillment orders not yet in a live pick session, most urgent first."""
    fulfillments = FulfillmentOrder.objects.filter(warehouse=warehouse, status=FulfillmentOrder.Status.RELEASED).exclude(
        pick_slots__session__status__in=[PickSession.Status.OPEN, PickSession.Status.CLAIMED, PickSession.Status.DONE]
    )
    if ship_by_before:
        fulfillments = fulfillments.filter(ship_by__lte=ship_by_before)
    return fulfillments.order_by("-order__priority", F("ship_by").asc(nulls_last=True), "id")


def waves_for_output() -> QuerySet[Wave]:
    """Waves with their sessions, each with its order count and line progress, in two queries."""
    sessions = PickSession.objects.select_related("picker", "zone").annotate(
        line_total=Count("lines", filter=~Q(lines__status=PickLine.Status.CANCELLED), distinct=True),
        line_done=Count("lines", filter=Q(lines__status__in=DONE_LINES), distinct=True),
        order_count=Count("slots", distinct=True),
    ).order_by("-priority", "ship_by", "id")
    return Wave.objects.select_related("warehouse", "created_by").prefetch_related(Prefetch("sessions", queryset=sessions))


def plan_bins(reservation: Reservation, qty: int, *, exclude_bin_ids=()) -> list[PlannedPick]:
    """Where to take `qty` of a reservation from: sellable, unflagged stock in pickable bins, first
    expiry first then oldest, less what open pick lines already plan to take from each bin."""
    rows = (
        BinStock.objects.filter(
            product_id=reservation.product_id, bin__warehouse_id=reservation.warehouse_id, bin__is_active=True,
            bin__is_pickable=True, bin__kind__in=Bin.STORAGE_KINDS, condition=Condition.SELLABLE, is_flagged=False,
            qty__gt=0,
        )
        .exclude(bin_id__in=list(exclude_bin_ids)).select_related("bin")
        .order_by(F("expiry").asc(nulls_last=True), "pk")
    )
    cutoff = shelf_life_cutoff(reservation.product_id, order_line_id=reservation.order_line_id)
    rows = rows.filter(Q(expiry__isnull=True) | Q(expiry__gte=cutoff))
    promised = {
        row["bin_id"]: row["n"]
        for row in PickLine.objects.filter(
            product_id=reservation.product_id, status=PickLine.Status.OPEN,
            session__status__in=[PickSession.Status.OPEN, PickSession.Status.CLAIMED],
        ).values("bin_id").annotate(n=Sum(F("qty") - F("picked_qty") - F("failed_qty")))
    }
    picks, left = [], qty
    for row in rows:
        free = row.qty - promised.get(row.bin_id, 0)
        if free <= 0:
            continue
        take = min(free, left)
        promised[row.bin_id] = promised.get(row.bin_id, 0) + take
        picks.append(PlannedPick(reservation, row.bin, row.lot, take))
        left -= take
        if not left:
            break
    return picks


def shelf_life_cutoff(product_id: int, *, order_line_id: int | None = None) -> dt.date:
    """The first expiry date a unit of this product may have to be picked: never expired, and at least the
    minimum shelf life away: the order's channel's when it sets one, else the merchant's."""
    days = None
    if order_line_id is not None:
        days = (OrderLine.objects.filter(pk=order_line_id)
                .values_list("order__channel__min_shelf_life_days", flat=True).first())
    if days is None:
        days = Merchant.objects.filter(products=product_id).values_list("min_shelf_life_days", flat=True).first()
    return timezone.localdate() + dt.timedelta(days=days or 0)


# --- picking -------------------------------------------------------------------------------


def slot_order_number():
    """The order number a pick line's slot is for, as one column (`slot_order_number` on the panel). A
    subquery, not a join: joining the fulfillment order and the order makes PostgreSQL plan the station's
    line query for ~8 ms, ten times as long as it runs."""
    return Subquery(FulfillmentOrder.objects.filter(pk=OuterRef("slot__fulfillment_order_id"))
                    .values("order__order_number")[:1])


def current_line(session: PickSession) -> PickLine | None:
    return (
        session.lines.filter(status=PickLine.Status.OPEN).select_related("bin", "product", "slot__tote")
        .annotate(slot_order_number=slot_order_number()).order_by("sequence", "id").first()
    )


def pick_sessions_for_output() -> QuerySet[PickSession]:
    """Sessions with what the session output shows loaded: slots and their orders, the open lines in walk
    order (`open_lines`, the first is the current line) and the progress counts (`progress_*`)."""
    not_cancelled = ~Q(lines__status=PickLine.Status.CANCELLED)
    open_lines = (
        PickLine.objects.filter(status=PickLine.Status.OPEN)
        .select_related("bin", "product", "slot__tote", "slot__fulfillment_order__order").order_by("sequence", "id")
    )
    return (
        PickSession.objects.select_related("warehouse", "zone", "picker")
        .prefetch_related("slots__tote", "slots__fulfillment_order__order",
                          Prefetch("lines", queryset=open_lines, to_attr="open_lines"))
        .annotate(
            progress_lines=Count("lines", filter=not_cancelled),
            progress_lines_done=Count("lines", filter=not_cancelled & Q(lines__status__in=DONE_LINES)),
            progress_units=Sum("lines__qty", filter=not_cancelled, default=0),
            progress_units_picked=Sum("lines__picked_qty", filter=not_cancelled, default=0),
            progress_units_failed=Sum("lines__failed_qty", filter=not_cancelled, default=0),
        )
    )


# --- packing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackLine:
    order_line_id: int
    product: Product
    expected: int
    packed: int

    @property
    def missing(self) -> int:
        return self.expected - self.packed


def pack_lines(pack: Pack) -> list[PackLine]:
    """What the pack must hold (the order's picked units in this warehouse) against what is packed."""
    return pack_lines_for([pack])[pack.pk]


def pack_lines_for(packs: Iterable[Pack]) -> dict[int, list[PackLine]]:
    """`pack_lines` of many packs in four queries, by pack id."""
    packs = list(packs)
    if not packs:
        return {}
    fulfillment_ids = {pack.fulfillment_order_id for pack in packs}
    line_ids_of: dict[int, list[int]] = defaultdict(list)
    warehouse_of: dict[int, int] = {}
    for fulfillment_id, warehouse_id, order_line_id in FulfillmentLine.objects.filter(
        fulfillment_order_id__in=fulfillment_ids
    ).values_list("fulfillment_order_id", "fulfillment_order__warehouse_id", "order_line_id"):
        line_ids_of[fulfillment_id].append(order_line_id)
        warehouse_of[fulfillment_id] = warehouse_id
    all_line_ids = {line_id for ids in line_ids_of.values() for line_id in ids}
    picked_by_warehouse: dict[tuple[int, int], int] = {
        (line_id, warehouse_id): n
        for line_id, warehouse_id, n in Reservation.objects.filter(order_line_id__in=all_line_ids)
        .values_list("order_line_id", "warehouse_id").annotate(n=Sum("picked_qty")).values_list(
            "order_line_id", "warehouse_id", "n")
    }
    packed_by_pack: dict[int, dict[int, int]] = defaultdict(dict)
    for pack_id, line_id, n in (
        CartonItem.objects.filter(carton__pack__in=[pack.pk for pack in packs])
        .values_list("carton__pack_id", "order_line_id").annotate(n=Sum("qty")).values_list(
            "carton__pack_id", "order_line_id", "n")
    ):
        packed_by_pack[pack_id][line_id] = n
    order_lines = list(OrderLine.objects.filter(pk__in=all_line_ids).select_related("product").order_by("line_no"))
    result = {}
    for pack in packs:
        line_ids = set(line_ids_of.get(pack.fulfillment_order_id, ()))
        warehouse_id = warehouse_of.get(pack.fulfillment_order_id)
        picked = {line_id: picked_by_warehouse.get((line_id, warehouse_id)) for line_id in line_ids}
        packed = packed_by_pack.get(pack.pk, {})
        if pack.status != Pack.Status.OPEN:
            picked = packed  # closed: what it holds is what was verified (the reservation may have shipped since)
        lines = [line for line in order_lines if line.pk in line_ids]
        result[pack.pk] = [PackLine(line.pk, line.product, picked.get(line.pk) or 0, packed.get(line.pk) or 0)
                           for line in lines if (picked.get(line.pk) or 0) or packed.get(line.pk)]
    return result


def pack_totes(pack: Pack) -> list[PackTote]:
    """The totes a pack consolidates (none when the order was picked into one tote), in and still to come."""
    return list(PackTote.objects.filter(pack=pack).select_related("tote").order_by("arrived_at", "tote__code"))


def carton_suggest(pack: Pack) -> CartonType | None:
    """The smallest carton whose inside fits what is left to pack (volume with 15% slack, longest side)."""
    return _carton_for(pack_lines(pack), _carton_types())


def carton_suggestions_for(lines_by_pack: dict[int, list[PackLine]]) -> dict[int, CartonType | None]:
    """`carton_suggest` for many packs whose lines are already read (`pack_lines_for`): one query."""
    carton_types = _carton_types()
    return {pack_id: _carton_for(lines, carton_types) for pack_id, lines in lines_by_pack.items()}


def _carton_types() -> list[CartonType]:
    return list(CartonType.objects.filter(is_active=True).order_by("length_mm", "width_mm", "height_mm"))


def _carton_for(pack_lines: list[PackLine], carton_types: list[CartonType]) -> CartonType | None:
    lines = [line for line in pack_lines if line.missing]
    if not lines:
        return None
    volume = sum(line.product.length_mm * line.product.width_mm * line.product.height_mm * line.missing for line in lines)
    longest = max(max(line.product.length_mm, line.product.width_mm, line.product.height_mm) for line in lines)
    weight = sum(line.product.weight_g * line.missing for line in lines)
    for carton_type in carton_types:
        inside = sorted((carton_type.length_mm, carton_type.width_mm, carton_type.height_mm))
        if carton_type.volume_mm3 >= volume * 1.15 and inside[-1] >= longest and carton_type.max_weight_g >= weight:
            return carton_type
    return max(carton_types, key=lambda carton_type: carton_type.length_mm, default=None)


def packs_for_output() -> QuerySet[Pack]:
    return Pack.objects.select_related(
        "warehouse", "fulfillment_order__order", "tote", "pack_bin", "packer",
    ).prefetch_related("cartons__carton_type", "cartons__items__product")


def shipments_for_output() -> QuerySet[Shipment]:
    return Shipment.objects.select_related("warehouse", "fulfillment_order__order", "carton", "destination").prefetch_related(
        "tracking_events")


@dataclass(frozen=True)
class PackReads:
    lines: list[PackLine]
    suggested_carton_type: CartonType | None
    shipments: list[Shipment]


def pack_reads_for(packs: Iterable[Pack]) -> dict[int, PackReads]:
    """What the pack output shows beyond the pack's own rows, for a page of packs in a fixed number of
    queries: lines against what is packed, the carton suggested for open packs, the labels bought."""
    packs = list(packs)
    lines = pack_lines_for(packs)
    open_ids = {pack.pk for pack in packs if pack.status == Pack.Status.OPEN}
    suggested = carton_suggestions_for({pk: pack_lines for pk, pack_lines in lines.items() if pk in open_ids})
    shipments: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in shipments_for_output().filter(carton__pack__in=[pack.pk for pack in packs]).order_by(
            "carton__number", "id"):
        shipments[shipment.carton.pack_id].append(shipment)
    return {pack.pk: PackReads(lines[pack.pk], suggested.get(pack.pk), shipments.get(pack.pk, [])) for pack in packs}


# --- packing slips -------------------------------------------------------------------------


DEFAULT = PackingSlipTemplate(title="Packing slip", footer_note="Questions about your order? Reply to your order e-mail.")


def slip_template(fulfillment: FulfillmentOrder) -> PackingSlipTemplate:
    order = fulfillment.order
    templates = {t.product_tag.lower(): t for t in PackingSlipTemplate.objects.filter(merchant_id=order.merchant_id)}
    for line in fulfillment.lines.select_related("order_line__product").order_by("order_line__line_no"):
        product = line.order_line.product
        for tag in (product.tags or "").split(",") if product else ():
            if tag.strip().lower() in templates and tag.strip():
                return templates[tag.strip().lower()]
    return templates.get("", DEFAULT)
