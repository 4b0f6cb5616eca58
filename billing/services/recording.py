"""Billable events: read from the domain events the services record as work happens, taken from a daily storage
snapshot, or entered by staff as special projects. Each source gives each of its charges once (unique per source
and charge kind), so every job here may run again, or twice at once, and write nothing new."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from billing.models import BillableEvent, ChargeKind, EventCursor, Invoice, InvoiceStatus, StorageSnapshot
from core.actors import Actor, actor_user
from core.errors import Conflict, DomainError
from core.models import DomainEvent, EventKind
from inventory.models import BinStock
from layout.models import Bin

log = logging.getLogger(__name__)

CURSOR = "domain-events"
BATCH = 500
# Events are read for good once they are this old: an event committed late by a long transaction (its id lower
# than one already read) is still within the window and read on a later sweep; rows already recorded are skipped.
SETTLE = timedelta(minutes=5)
BILLED_KINDS = (EventKind.ORDER_PICKED, EventKind.ORDER_PACKED, EventKind.ORDER_SHIPPED, EventKind.RECEIPT_CLOSED,
                EventKind.RETURN_GRADED)
# Bins whose stock is in storage: totes, carts and pack stations only carry stock between places.
STORAGE_BIN_KINDS = (Bin.Kind.SHELF, Bin.Kind.PALLET, Bin.Kind.DOCK, Bin.Kind.RETURNS)
MM3_PER_CUBIC_FOOT = Decimal("28316846.592")
THOUSANDTH = Decimal("0.001")


class BillingRefused(DomainError):
    code = "billing_refused"


def _count(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def charges_of(event: DomainEvent) -> list[tuple[str, int]]:
    """(charge kind, quantity) for each charge one domain event gives rise to; none for a malformed payload."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.kind == EventKind.ORDER_SHIPPED:
        return [(ChargeKind.ORDER_SHIPPED, 1)]
    if event.kind == EventKind.ORDER_PICKED:
        units = _count(payload, "units")
        if not units:
            return []
        charges: list[tuple[str, int]] = [(ChargeKind.PICK_FIRST_UNIT, 1)]
        return [*charges, (ChargeKind.PICK_ADDITIONAL_UNIT, units - 1)] if units > 1 else charges
    if event.kind == EventKind.ORDER_PACKED:
        cartons = _count(payload, "cartons")
        return [(ChargeKind.CARTON_PACKED, cartons)] if cartons else []
    if event.kind == EventKind.RECEIPT_CLOSED:
        pairs = ((ChargeKind.RECEIPT_CARTON, _count(payload, "cartons")), (ChargeKind.RECEIPT_UNIT, _count(payload, "units")))
        return [(kind, qty) for kind, qty in pairs if qty]
    if event.kind == EventKind.RETURN_GRADED:
        units = _count(payload, "units")
        return [(ChargeKind.RETURN_GRADED, units)] if units else []
    return []


def _reference(event: DomainEvent) -> str:
    payload = event.payload if isinstance(event.payload, dict) else {}
    for key in ("order_number", "reference"):
        if isinstance(payload.get(key), str) and payload[key]:
            return payload[key][:120]
    return f"{event.resource_type} {event.resource_id}"[:120]


# Charged once per order however many events report it: the first unit picked (a fulfillment order split over
# pick sessions reports once per session: the later sessions' units are all additional) and the order shipped
# (one event per parcel handed over).
ONCE_PER_RESOURCE = (ChargeKind.PICK_FIRST_UNIT, ChargeKind.ORDER_SHIPPED)


def billable_rows(events: list[DomainEvent]) -> list[BillableEvent]:
    """The billable events of domain events read in id order. Reading an event again gives the same rows."""
    owners: dict[tuple[str, str, str], int] = {}  # (charge, resource type, resource id) -> the event charged
    if events:
        charged = (BillableEvent.objects.filter(kind__in=ONCE_PER_RESOURCE, source_event__isnull=False,
                                                source_event__resource_id__in={e.resource_id for e in events})
                   .order_by("source_event_id")
                   .values_list("kind", "source_event__resource_type", "source_event__resource_id", "source_event_id"))
        for kind, resource_type, resource_id, event_id in charged:
            owners.setdefault((kind, resource_type, resource_id), event_id)
    rows = []
    for event in events:
        day = timezone.localdate(event.occurred_at)
        charges = dict(charges_of(event))
        for kind in ONCE_PER_RESOURCE:
            if kind not in charges:
                continue
            owner = owners.setdefault((kind, event.resource_type, event.resource_id), event.pk)
            if owner != event.pk:
                qty = charges.pop(kind)
                if kind == ChargeKind.PICK_FIRST_UNIT:
                    charges[ChargeKind.PICK_ADDITIONAL_UNIT] = charges.get(ChargeKind.PICK_ADDITIONAL_UNIT, 0) + qty
        for kind, qty in charges.items():
            rows.append(BillableEvent(merchant_id=event.merchant_id, warehouse_id=event.warehouse_id, kind=kind, day=day,
                                      quantity=Decimal(qty), reference=_reference(event), source_event=event))
    return rows


def events_sweep(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Record the billable events of every domain event after the cursor; returns how many rows were new. The
    cursor row's lock makes concurrent sweeps take turns."""
    now = now or timezone.now()
    settled_before = now - SETTLE
    recorded = 0
    EventCursor.objects.bulk_create([EventCursor(name=CURSOR)], ignore_conflicts=True)
    while True:
        with transaction.atomic():
            cursor = EventCursor.objects.select_for_update(no_key=True).get(name=CURSOR)
            events = list(DomainEvent.objects.filter(pk__gt=cursor.last_id, kind__in=BILLED_KINDS).order_by("pk")[:batch])
            before = BillableEvent.objects.filter(source_event__in=events).count() if events else 0
            BillableEvent.objects.bulk_create(billable_rows(events), ignore_conflicts=True)
            if events:
                recorded += BillableEvent.objects.filter(source_event__in=events).count() - before
            advanced = cursor.last_id
            for event in events:
                if event.occurred_at > settled_before:
                    break
                advanced = event.pk
            moved = advanced != cursor.last_id
            cursor.last_id, cursor.swept_at = advanced, now
            cursor.save(update_fields=["last_id", "swept_at"])
        if len(events) < batch or not moved:
            return recorded


def storage_snapshot(*, day: date | None = None) -> int:
    """Per merchant x warehouse: the storage bins holding its stock and the cubic feet of its units on hand
    (product length x width x height x units), as of now, for `day` (today by default). Once per merchant,
    warehouse and day: a second run finds the day's snapshots and writes nothing. Returns snapshots taken."""
    day = day or timezone.localdate()
    volume = Sum(Cast(F("qty"), DecimalField(max_digits=20, decimal_places=0))
                 * F("product__length_mm") * F("product__width_mm") * F("product__height_mm"),
                 output_field=DecimalField(max_digits=40, decimal_places=0))
    stock = BinStock.objects.filter(qty__gt=0).values("product__merchant_id", "warehouse_id")
    figures = {(row["product__merchant_id"], row["warehouse_id"]): row
               for row in stock.annotate(units=Sum("qty"), volume=volume).order_by()}
    bins = {(row["product__merchant_id"], row["warehouse_id"]): row["bins"]
            for row in stock.filter(bin__kind__in=STORAGE_BIN_KINDS).annotate(bins=Count("bin_id", distinct=True)).order_by()}
    taken = 0
    with transaction.atomic():
        for (merchant_id, warehouse_id), row in sorted(figures.items()):
            cubic_feet = (Decimal(row["volume"] or 0) / MM3_PER_CUBIC_FOOT).quantize(THOUSANDTH)
            snapshot, created = StorageSnapshot.objects.get_or_create(
                merchant_id=merchant_id, warehouse_id=warehouse_id, day=day,
                defaults={"bins": bins.get((merchant_id, warehouse_id), 0), "units": row["units"], "cubic_feet": cubic_feet})
            if not created:
                continue
            taken += 1
            BillableEvent.objects.bulk_create([
                BillableEvent(merchant_id=merchant_id, warehouse_id=warehouse_id, kind=kind, day=day, quantity=qty,
                              reference=f"storage {day.isoformat()}", snapshot=snapshot)
                for kind, qty in ((ChargeKind.STORAGE_BIN_DAY, Decimal(snapshot.bins)),
                                  (ChargeKind.STORAGE_CUBIC_FOOT_DAY, cubic_feet))
            ], ignore_conflicts=True)
    return taken


@dataclass(frozen=True)
class ProjectInput:
    day: date
    description: str
    quantity: Decimal
    unit_price: Decimal


def _month_issued(merchant_id: int, day: date) -> bool:
    """Whether the month's invoice is issued; locks its row, so an issue waits for (and bills) this charge."""
    invoice = (Invoice.objects.select_for_update(of=("self",), no_key=True)
               .filter(merchant_id=merchant_id, period_start=day.replace(day=1)).first())
    return invoice is not None and invoice.status == InvoiceStatus.ISSUED


def special_project_add(*, merchant, warehouse=None, project: ProjectInput, actor: Actor) -> BillableEvent:
    """A special project (kitting by hand, relabelling, ...) billed at its own price, with who entered it. A
    month whose invoice is issued takes no more charges."""
    description = project.description.strip()
    if not description or len(description) > 200:
        raise BillingRefused("describe the project in 1 to 200 characters")
    if not Decimal("0") < project.quantity < Decimal("1e12") or project.quantity != project.quantity.quantize(THOUSANDTH):
        raise BillingRefused("the quantity must be positive, with at most 3 decimal places")
    if not Decimal("0") <= project.unit_price < Decimal("1e8") or project.unit_price != project.unit_price.quantize(Decimal("0.0001")):
        raise BillingRefused("the unit price must be 0 or more, with at most 4 decimal places")
    with transaction.atomic():
        if _month_issued(merchant.pk, project.day):
            raise Conflict(f"the invoice for {project.day:%Y-%m} is issued: it takes no more charges")
        return BillableEvent.objects.create(
            merchant=merchant, warehouse=warehouse, kind=ChargeKind.SPECIAL_PROJECT, day=project.day,
            quantity=project.quantity, unit_price=project.unit_price, description=description,
            reference="special project", entered_by=actor_user(actor))
