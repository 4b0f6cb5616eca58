"""Labels for packed cartons, voids before the carrier collects them, and ship confirmation when the
end-of-day manifest closes: units leave the building through the ledger, the order ships, the storefront
is told (through the order's outbox).

Calls to the carrier happen with no transaction open, between two short ones: the intent is recorded
first (a shipment awaiting its label, with an idempotency reference; a shipment being voided), then the
carrier is called, then the result is recorded. A crash in between leaves a row a sweep can finish."""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.actors import actor_label
from core.errors import Conflict, DomainError
from core.feed import current_transaction_id
from core.reasons import clean_reason
from inventory.models import Product, Reservation
from inventory.services.reservations import stock_ship
from orders.models import FulfillmentOrder
from orders.services.shipment_events import order_mark_shipped
from orders.services.timeline import order_event
from shipping.carrier_accounts import carrier_named, carriers_for
from shipping.carriers.base import CustomsItem, Label, Parcel, is_international
from shipping.exceptions import VoidRefused
from shipping.manifest_pdf import render_manifest
from shipping.models import Manifest, Shipment
from shipping.rule_facts import choose_for, choose_for_transfer
from shipping.rules import Choice
from shipping.selectors import ship_from, ship_to
from shipping.state import SHIPMENT

log = logging.getLogger(__name__)
S = Shipment.Status


@dataclass(frozen=True)
class PackedItem:
    order_line_id: int
    product: Product
    qty: int


def shipment_transition(*, shipment: Shipment, to: str, actor, reason: str = "",
                        extra: Mapping[str, Any] | None = None) -> str:
    """The one writer of a shipment's status; the caller holds the row's lock. Returns the previous status."""
    previous = SHIPMENT.apply(shipment, to, extra=extra, label=str(shipment.reference or shipment.pk))
    if previous != to:
        log.info("shipment %s: %s -> %s by %s%s", shipment.pk, previous, to, actor_label(actor), f" ({reason})" if reason else "")
    return previous


def _locked(shipment_id: int) -> Shipment:
    return (Shipment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("fulfillment_order__order__merchant", "fulfillment_order__warehouse", "merchant")
            .get(pk=shipment_id))


# --- labels ------------------------------------------------------------------------------------------------

def shipment_request(*, carton, fulfillment_order: FulfillmentOrder, from_bin, parcel: Parcel,
                     items: Sequence[PackedItem]) -> Shipment:
    """In the caller's transaction: the carton's shipment, awaiting its label, with the reference the label
    will be bought with (a retry buys with the same one). `shipment_label_buy` buys it after the commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("shipment_request records an intent: call it inside the transaction that verifies the pack")
    order_number = fulfillment_order.order.order_number[:40]
    return Shipment.objects.create(
        carton=carton, warehouse=fulfillment_order.warehouse, fulfillment_order=fulfillment_order, from_bin=from_bin,
        contents=[{"order_line_id": i.order_line_id, "product_id": i.product.pk, "qty": i.qty} for i in items],
        weight_g=parcel.weight_g, dimensions_mm=[parcel.length_mm, parcel.width_mm, parcel.height_mm],
        reference=f"{order_number}-{carton.number}-{secrets.token_hex(4)}", status=S.AWAITING_LABEL,
    )


def shipment_transfer_request(*, warehouse, destination, merchant, document: str, from_bin, parcel: Parcel,
                              items: Sequence[tuple[Product, int]]) -> Shipment:
    """In the caller's transaction: one parcel of a transfer between two of our warehouses, awaiting its label
    (addressed from `warehouse` to `destination`). `shipment_label_buy` buys it after the commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("shipment_transfer_request records an intent: call it inside the transfer's transaction")
    return Shipment.objects.create(
        purpose=Shipment.Purpose.TRANSFER, warehouse=warehouse, destination=destination, merchant=merchant,
        document=document[:40], from_bin=from_bin, contents=[{"product_id": p.pk, "qty": qty} for p, qty in items],
        weight_g=parcel.weight_g, dimensions_mm=[parcel.length_mm, parcel.width_mm, parcel.height_mm],
        reference=f"{document[:40]}-{secrets.token_hex(4)}", status=S.AWAITING_LABEL,
    )


def shipment_label_buy(*, shipment: Shipment, actor) -> Shipment:
    """Choose the rate by the merchant's shipping rules and buy the label of a shipment awaiting one. Talks to
    the carrier: call it with no transaction open. A refusal leaves the shipment awaiting its label with the
    carrier's words in `problem`, and is raised. Buying a shipment already labelled changes nothing."""
    shipment = Shipment.objects.select_related(
        "fulfillment_order__order__merchant", "fulfillment_order__warehouse", "merchant", "warehouse", "destination",
    ).get(pk=shipment.pk)
    if shipment.status != S.AWAITING_LABEL:
        return shipment
    carriers = carriers_for(shipment.owner_merchant)
    try:
        choice, label = _buy_transfer(shipment, carriers) if shipment.is_transfer else _buy(shipment, carriers)
    except DomainError as exc:
        _note_problem(shipment.pk, f"label not bought: {exc.message}")
        raise
    recorded = _label_record(shipment.pk, label, choice, actor)
    if recorded is None:
        # The shipment was given up (its pack reopened) while the carrier sold this label: take it back.
        carrier_named(carriers, label.carrier).void(label.tracking_number)
        log.warning("shipment %s was cancelled during its purchase; label %s voided", shipment.pk, label.tracking_number)
        return Shipment.objects.get(pk=shipment.pk)
    return recorded


def _buy(shipment: Shipment, carriers) -> tuple[Choice, Label]:
    fulfillment = shipment.order_fulfillment
    order = fulfillment.order
    origin, destination = ship_from(fulfillment.warehouse), ship_to(order)
    length, width, height = shipment.dimensions_mm
    parcel = Parcel(weight_g=shipment.weight_g, length_mm=length, width_mm=width, height_mm=height)
    products = Product.objects.in_bulk([entry["product_id"] for entry in shipment.contents])
    items = [PackedItem(entry["order_line_id"], products[entry["product_id"]], entry["qty"]) for entry in shipment.contents]
    ship_date = timezone.localdate()
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
    label = carrier.buy_label(choice.rate, origin, destination, [parcel], reference=shipment.reference, customs=customs)
    return choice, label


def _buy_transfer(shipment: Shipment, carriers) -> tuple[Choice, Label]:
    """A parcel between two of our buildings: the merchant's rules choose among the lane's rates (no customer
    promise to keep, no order value); customs, across a border, declare the units at their cost."""
    origin, destination = ship_from(shipment.warehouse), ship_from(shipment.destination)
    length, width, height = shipment.dimensions_mm
    parcel = Parcel(weight_g=shipment.weight_g, length_mm=length, width_mm=width, height_mm=height)
    products = Product.objects.in_bulk([entry["product_id"] for entry in shipment.contents])
    items = [(products[entry["product_id"]], int(entry["qty"])) for entry in shipment.contents]
    ship_date = timezone.localdate()
    rates = [rate for carrier in carriers for rate in carrier.rates(origin, destination, [parcel], ship_date)]
    choice = choose_for_transfer(merchant=shipment.merchant, products=[p for p, _ in items], parcel=parcel, rates=rates,
                                 destination=destination)
    customs = None
    if is_international(origin, destination):
        customs = [CustomsItem(description=product.name[:60], quantity=qty, value=(product.unit_cost or 0) * qty,
                               hs_code=product.hs_code, origin_country=product.country_of_origin or origin.country,
                               weight_g=product.weight_g * qty) for product, qty in items]
    carrier = carrier_named(carriers, choice.rate.carrier)
    label = carrier.buy_label(choice.rate, origin, destination, [parcel], reference=shipment.reference, customs=customs)
    return choice, label


@transaction.atomic
def _label_record(shipment_id: int, label: Label, choice: Choice, actor) -> Shipment | None:
    shipment = _locked(shipment_id)
    if shipment.status != S.AWAITING_LABEL:
        return None
    shipment_transition(shipment=shipment, to=S.LABELLED, actor=actor, reason=choice.reason[:200], extra={
        "carrier": label.carrier, "service": label.service, "rate_amount": choice.rate.amount,
        "rate_currency": choice.rate.currency, "rate_reason": choice.reason[:500], "tracking_number": label.tracking_number,
        "tracking_url": label.tracking_url, "label_pdf": label.pdf, "label_zpl": label.zpl,
        "estimated_delivery": choice.rate.estimated_delivery, "transit_days": choice.rate.transit_days, "problem": "",
    })
    return shipment


@transaction.atomic
def _note_problem(shipment_id: int, problem: str) -> None:
    Shipment.objects.filter(pk=shipment_id).update(problem=problem[:500])


@transaction.atomic
def shipment_cancel(*, shipment: Shipment, actor, reason: str) -> Shipment:
    """A shipment whose label was never bought is given up (its pack's close failed on another carton)."""
    shipment = _locked(shipment.pk)
    shipment_transition(shipment=shipment, to=S.CANCELLED, actor=actor, reason=reason, extra={"problem": reason[:500]})
    return shipment


# --- voids -------------------------------------------------------------------------------------------------

def shipment_void(*, shipment: Shipment, actor, reason: str) -> Shipment:
    """Before the manifest closes a label can be voided (the postage refunded). Talks to the carrier: call it
    with no transaction open. The intent is recorded (voiding, with its reason on the order's timeline), the
    carrier asked, the answer recorded: voided, or labelled again with the carrier's reason in `problem` and
    `VoidRefused` raised."""
    reason = clean_reason(reason)
    shipment = _void_begin(shipment.pk, actor, reason)
    return shipment_void_finish(shipment=shipment, actor=actor)


def shipment_void_begin(*, shipment: Shipment, actor, reason: str) -> Shipment:
    """Step 1 of a void, in the caller's transaction when it has one (a transfer voids all its parcels at once):
    the shipment is recorded as voiding, so no manifest collects it. `shipment_void_finish` asks the carrier."""
    return _void_begin(shipment.pk, actor, clean_reason(reason))


@transaction.atomic
def _void_begin(shipment_id: int, actor, reason: str) -> Shipment:
    shipment = _locked(shipment_id)
    if shipment.status not in (S.LABELLED, S.VOIDING):
        raise VoidRefused(f"{shipment} is {shipment.get_status_display().lower()}: only a label not yet collected can be voided")
    if shipment.status == S.LABELLED and not shipment.is_transfer:
        order_event(order=shipment.order_fulfillment.order, kind="label_void", actor=actor,
                    message=f"Label {shipment.carrier} {shipment.tracking_number} void asked: {reason}",
                    shipment=shipment.pk, reason=reason)
    shipment_transition(shipment=shipment, to=S.VOIDING, actor=actor, reason=f"void asked: {reason}")
    return shipment


def shipment_void_finish(*, shipment: Shipment, actor) -> Shipment:
    """Ask the carrier to void a shipment recorded as voiding, and record its answer (the sweep's retry too)."""
    carrier = carrier_named(carriers_for(shipment.owner_merchant), shipment.carrier)
    try:
        carrier.void(shipment.tracking_number)
    except DomainError as exc:
        _void_record(shipment.pk, actor, refused=exc.message)
        raise VoidRefused(f"{shipment.carrier} did not void {shipment.tracking_number}: {exc.message}; "
                          "the label is still valid") from exc
    return _void_record(shipment.pk, actor, refused="")


@transaction.atomic
def _void_record(shipment_id: int, actor, *, refused: str) -> Shipment:
    shipment = _locked(shipment_id)
    if shipment.status != S.VOIDING:
        return shipment
    if refused:
        shipment_transition(shipment=shipment, to=S.LABELLED, actor=actor, reason=refused,
                            extra={"problem": f"void refused: {refused}"[:500]})
    else:
        shipment_transition(shipment=shipment, to=S.VOIDED, actor=actor, extra={"voided_at": timezone.now(), "problem": ""})
    return shipment


def shipment_voids_sweep(*, older_than_s: int = 300, limit: int = 100) -> dict[str, int]:
    """Voids left half-done by a crash (recorded as voiding, the answer never recorded): ask the carrier again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    outcome = {"voided": 0, "refused": 0}
    stale = Shipment.objects.filter(status=S.VOIDING, updated_at__lt=cutoff).order_by("updated_at")[:limit]
    for shipment in stale.select_related("fulfillment_order__order__merchant", "merchant"):
        try:
            shipment_void_finish(shipment=shipment, actor="void sweep")
            outcome["voided"] += 1
        except VoidRefused as exc:
            log.warning("void of shipment %s refused again: %s", shipment.pk, exc)
            outcome["refused"] += 1
    return outcome


# --- end of day --------------------------------------------------------------------------------------------

@transaction.atomic
def manifest_close(*, warehouse, carrier: str, actor, transfer_shipment_ids: Collection[int] = ()) -> Manifest:
    """End of day for one carrier at one warehouse: every labelled carton is handed over. Each leaves the
    building through the ledger (`stock_ship` from the pack station), and each fulfillment order whose
    cartons are all collected ships (order status, tracking, storefront outbox).

    Transfer parcels are collected only when named in `transfer_shipment_ids` (and still labelled): their
    units move into transit through the transfer, which the caller (`warehouse.outbound.services.manifests`)
    ships in this same transaction. Left unnamed, they wait for a manifest that can ship them."""
    labelled = Shipment.objects.filter(warehouse=warehouse, carrier=carrier, status=S.LABELLED).filter(
        Q(purpose=Shipment.Purpose.ORDER) | Q(purpose=Shipment.Purpose.TRANSFER, pk__in=list(transfer_shipment_ids)))
    shipments = list(
        labelled.select_for_update(of=("self",), no_key=True)
        .select_related("fulfillment_order__order", "from_bin", "destination").order_by("id")
    )
    if not shipments:
        raise Conflict(f"no {carrier} labels waiting at {warehouse.code}")
    manifest = Manifest.objects.create(warehouse=warehouse, carrier=carrier, closed_by=actor if getattr(actor, "pk", None) else None)
    now = timezone.now()
    xact = current_transaction_id()
    by_fulfillment: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in shipments:
        if not shipment.is_transfer:
            _ship_contents(shipment, actor)
        shipment_transition(shipment=shipment, to=S.SHIPPED, actor=actor, reason=f"manifest M-{manifest.pk}",
                            extra={"shipped_at": now, "manifest": manifest, "shipped_xact_id": xact})
        if shipment.fulfillment_order_id is not None:
            by_fulfillment[shipment.fulfillment_order_id].append(shipment)
    for fulfillment_id, collected in by_fulfillment.items():
        fulfillment = collected[0].order_fulfillment
        if Shipment.objects.filter(fulfillment_order_id=fulfillment_id, status=S.LABELLED).exists():
            continue  # another carrier still has to collect a carton of it
        cartons = list(Shipment.objects.filter(fulfillment_order_id=fulfillment_id, status=S.SHIPPED).order_by("id"))
        lead = cartons[0]
        order_mark_shipped(order=fulfillment.order, fulfillment_order=fulfillment, carrier=lead.carrier, service=lead.service,
                           tracking_number=lead.tracking_number, tracking_url=lead.tracking_url,
                           package_tracking_numbers=[s.tracking_number for s in cartons if s.tracking_number], actor=actor,
                           parcels=[_parcel_event(s) for s in cartons])
    manifest.pdf = render_manifest(manifest, shipments)
    manifest.save(update_fields=["pdf"])
    return manifest


def _parcel_event(shipment: Shipment) -> dict:
    """One carton as the order.shipped event describes it."""
    return {"tracking_number": shipment.tracking_number, "carton": shipment.carton_number,
            "weight_g": shipment.weight_g, "units": sum(int(entry["qty"]) for entry in shipment.contents)}


def _ship_contents(shipment: Shipment, actor) -> None:
    warehouse_id = shipment.warehouse_id
    for entry in shipment.contents:
        reservation = Reservation.objects.select_related("product").get(order_line_id=entry["order_line_id"], warehouse_id=warehouse_id)
        stock_ship(reservation=reservation, from_bin=shipment.from_bin, qty=entry["qty"], actor=actor,
                   reference=f"shipment:{shipment.pk}")
