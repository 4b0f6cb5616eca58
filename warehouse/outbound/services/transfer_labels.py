"""Transfers ship like an outbound order: at the source's transfer label station the picked transfer (scanned by
its number or by its staging bin) gets a carrier label per parcel, addressed from the source to the destination
warehouse, bought through the merchant's carrier accounts and shipping rules. The parcels wait on their
carrier's open manifest; closing it ships the transfer (`warehouse.outbound.services.manifests`).

A transfer is labelled while one of its parcels is live (awaiting its label, labelled, being voided): there is no
second status to drift from the labels. Voiding them before the driver collects puts the transfer back to picked:
it can be labelled again, picked further or shipped by hand (own fleet).

No network call inside a transaction: the parcels are recorded (awaiting their labels, each with the reference it
is bought with) under the transfer's lock; the labels are bought with no transaction open; the first failure gives
them all up (those bought are voided), so a labelling is all or nothing. A labelling cut short by a crash is
finished by the next scan of the transfer, with the same references."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, NotFound
from core.reasons import REASON_MAX_LENGTH, clean_reason
from layout.models import Bin, Warehouse
from shipping.carriers.base import Parcel
from shipping.exceptions import VoidRefused
from shipping.models import Shipment
from shipping.services.shipments import (
    shipment_cancel,
    shipment_label_buy,
    shipment_transfer_request,
    shipment_void_begin,
    shipment_void_finish,
)
from warehouse import locks
from warehouse.models import CartonType, TransferOrder, TransferParcel, TransferStatus
from warehouse.scanning import ScanError, ScanKind, parse_scan
from warehouse.services.transfers import check_transfer_scope
from warehouse.transfer_selectors import (
    COLLECTED_PARCEL,
    LIVE_PARCEL,
    transfer_live_parcels,
    transfer_parcels,
    transfers_visible_to,
)

MAX_PARCELS = 20
MAX_PARCEL_WEIGHT_G = 68_000  # the heaviest parcel a parcel carrier takes (150 lb)
MAX_SIDE_MM = 2_740  # the longest side a parcel carrier takes (108 in)
RESUME_AFTER_S = 120  # parcels still awaiting their labels this long after their labelling began were cut short
S = Shipment.Status


PARCELS_HELP = ("One parcel a line: a carton type and the weight (M 1250, M 1.2kg, BOX:M W:1250), "
                "or the sides in mm and the weight (600x400x300 8kg)")
_SIDES = re.compile(r"^(\d{1,4})[xX*](\d{1,4})[xX*](\d{1,4})$")
_GRAMS = re.compile(r"^(?:W:)?(\d{1,6})\s*G?$", re.I)
_KILOS = re.compile(r"^(\d{1,3}(?:[.,]\d{1,3})?)\s*KG$", re.I)


class TransferLabelRefused(Conflict):
    """The scanned transfer cannot be labelled now (not picked, another warehouse's, already labelled)."""

    code = "transfer_label_refused"


class InvalidParcel(DomainError):
    code = "invalid_parcel"


class TransferLabelFailed(DomainError):
    """The carrier sold no label (or not all of them): every label of the attempt was given up."""

    code = "transfer_label_failed"

    def __init__(self, message: str, *, status_code: int = 422, **details):
        super().__init__(message, **details)
        self.status_code = status_code


@dataclass(frozen=True)
class ParcelInput:
    """One parcel as entered at the station: a carton type (its dimensions) or the dimensions, and the weight."""

    weight_g: int
    carton_type: CartonType | None = None
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True)
class TransferLabelling:
    transfer: TransferOrder
    shipments: list[Shipment]
    resumed: bool  # a labelling cut short earlier was finished instead of the parcels entered now


def transfer_for_label_scan(*, warehouse: Warehouse, raw: str, user) -> TransferOrder:
    """The transfer a station scan names: its number, or the staging bin (`BIN:` label or code) it waits in at
    this warehouse. A transfer outside the user's merchants or warehouses is not found, like a missing one."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 80 or "\x00" in raw:
        raise InvalidParcel("scan a transfer number or its staging bin")
    text = raw.strip()
    visible = transfers_visible_to(user)
    transfer = visible.filter(number__iexact=text).first()
    if transfer is not None:
        return transfer
    try:
        scan = parse_scan(text)
    except ScanError as exc:
        raise InvalidParcel(str(exc)) from exc
    code = scan.code if scan.kind == ScanKind.BIN and scan.code else text
    bin_ = Bin.objects.filter(warehouse=warehouse, code__iexact=code).first()
    if bin_ is None:
        raise NotFound(f"no transfer and no bin {text!r} at {warehouse.code}")
    staged = list(visible.filter(from_warehouse=warehouse, staging_bin=bin_, status=TransferStatus.PICKING)
                  .order_by("pk").values_list("number", flat=True)[:10])
    if not staged:
        raise NotFound(f"no picked transfer waits in bin {bin_.code}")
    if len(staged) > 1:
        raise TransferLabelRefused(f"bin {bin_.code} holds transfers {', '.join(staged)}: scan the transfer's number")
    return visible.get(number=staged[0])


def parcels_check(parcels: Sequence[ParcelInput]) -> list[Parcel]:
    """The parcels as the carrier sees them; a refusal names the parcel and changes nothing."""
    parcels = list(parcels)
    if not parcels:
        raise InvalidParcel("enter at least one parcel: its carton type or dimensions, and its weight")
    if len(parcels) > MAX_PARCELS:
        raise InvalidParcel(f"a transfer is labelled with at most {MAX_PARCELS} parcels")
    out = []
    for number, given in enumerate(parcels, start=1):
        weight = given.weight_g
        if not _whole(weight) or not 0 < weight <= MAX_PARCEL_WEIGHT_G:
            raise InvalidParcel(f"parcel {number}: the weight is a whole number of grams from 1 to {MAX_PARCEL_WEIGHT_G}")
        kind = given.carton_type
        if kind is not None:
            if weight > kind.max_weight_g:
                raise InvalidParcel(f"parcel {number}: {weight} g is over carton {kind.code}'s {kind.max_weight_g} g")
            sides = (kind.length_mm, kind.width_mm, kind.height_mm)
        else:
            sides = (given.length_mm, given.width_mm, given.height_mm)
            if not all(_whole(side) and 0 < side <= MAX_SIDE_MM for side in sides):
                raise InvalidParcel(f"parcel {number}: give a carton type, or its three sides in mm (1 to {MAX_SIDE_MM})")
        out.append(Parcel(weight_g=weight, length_mm=sides[0], width_mm=sides[1], height_mm=sides[2]))
    return out


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def transfer_label(*, transfer: TransferOrder, warehouse: Warehouse, parcels: Sequence[ParcelInput],
                   actor) -> TransferLabelling:
    """Label a picked transfer at its source: one label per parcel, from the source to the destination. Talks to
    the carrier: call it with no transaction open. Refused (nothing changed) when the transfer is not picked, ships
    from another warehouse, or is labelled already."""
    checked = parcels_check(parcels)
    waiting, resumed = _label_request(transfer.pk, warehouse.pk, list(parcels), checked, actor)
    shipments = []
    for shipment in waiting:
        try:
            bought = shipment_label_buy(shipment=shipment, actor=actor)
        except DomainError as exc:
            _give_up(transfer.pk, actor, f"parcel {_number(shipment)}: {exc.message}")
            raise TransferLabelFailed(f"No label for transfer {transfer.number}: {exc.message}. Labels already bought "
                                      "were voided and nothing moved", status_code=exc.status_code) from exc
        except Exception:
            _give_up(transfer.pk, actor, f"parcel {_number(shipment)}: the label purchase failed")
            raise
        if bought.status != S.LABELLED:
            raise TransferLabelFailed(f"transfer {transfer.number}'s labelling was voided while it was bought",
                                      status_code=409)
        shipments.append(bought)
    return TransferLabelling(transfer=TransferOrder.objects.get(pk=transfer.pk), shipments=shipments, resumed=resumed)


@transaction.atomic
def _label_request(transfer_id: int, warehouse_id: int, given: list[ParcelInput], parcels: list[Parcel],
                   actor) -> tuple[list[Shipment], bool]:
    transfer = locks.lock_transfer(transfer_id, related=("merchant", "from_warehouse", "to_warehouse", "staging_bin"))
    check_transfer_scope(actor, merchant_id=transfer.merchant_id,
                         warehouse_ids=(transfer.from_warehouse_id, transfer.to_warehouse_id))
    if transfer.from_warehouse_id != warehouse_id:
        raise TransferLabelRefused(f"transfer {transfer.number} ships from {transfer.from_warehouse.code}: "
                                   "label it at that warehouse")
    live = list(transfer_live_parcels(transfer.pk))
    if live and all(shipment.status == S.AWAITING_LABEL for shipment in live):
        # A failed purchase gives its parcels up at once, so parcels awaiting labels are a labelling in flight
        # (another scan of the same transfer: refused) or one a crash cut short (bought now, same references).
        if any(shipment.updated_at > timezone.now() - timedelta(seconds=RESUME_AFTER_S) for shipment in live):
            raise TransferLabelRefused(f"transfer {transfer.number}'s labels are being bought right now: "
                                       "scan it again in a minute if they do not come")
        return live, True
    if live:
        lead = next(shipment for shipment in live if shipment.status != S.AWAITING_LABEL)
        raise TransferLabelRefused(f"transfer {transfer.number} is already labelled ({lead.carrier} {lead.tracking_number}): "
                                   "void its label to label it again")
    if transfer.status != TransferStatus.PICKING:
        raise TransferLabelRefused(f"transfer {transfer.number} is {transfer.get_status_display().lower()}: "
                                   "only a picked transfer is labelled")
    lines = locks.lock_transfer_lines(transfer.pk)
    picked = [(line.product, line.picked_qty) for line in lines if line.picked_qty]
    if not picked or transfer.staging_bin is None:
        raise TransferLabelRefused(f"nothing of transfer {transfer.number} is picked")
    shipments = []
    created_by = actor.pk if isinstance(actor, AbstractBaseUser) else None
    for number, (entered, parcel) in enumerate(zip(given, parcels), start=1):
        # The whole transfer is declared on its first parcel (customs, the contents shown on the manifest).
        shipment = shipment_transfer_request(
            warehouse=transfer.from_warehouse, destination=transfer.to_warehouse, merchant=transfer.merchant,
            document=transfer.number, from_bin=transfer.staging_bin, parcel=parcel, items=picked if number == 1 else [],
        )
        TransferParcel.objects.create(transfer=transfer, shipment=shipment, number=number,
                                      carton_type=entered.carton_type, created_by_id=created_by)
        shipments.append(shipment)
    return shipments, False


def _number(shipment: Shipment) -> int:
    return TransferParcel.objects.values_list("number", flat=True).get(shipment=shipment)


def transfer_labels_void(*, transfer: TransferOrder, actor, reason: str) -> TransferOrder:
    """Void every label of a transfer before its carrier collects it (the postage refunded): the transfer is back
    to picked. Talks to the carrier: call it with no transaction open. Every label is marked as being voided in
    one transaction under the transfer's lock, so a manifest closing meanwhile takes all of them or none. Refused
    (nothing changed) when nothing is labelled or a parcel is collected already; a void the carrier refuses is
    raised (`VoidRefused`) and leaves that label valid (void again)."""
    reason = clean_reason(reason)
    voiding = _void_begin(transfer.pk, actor, reason, checked=True)
    refused = _void_finish(voiding, actor)
    if refused:
        raise VoidRefused(f"transfer {transfer.number}: {'; '.join(refused)}")
    return TransferOrder.objects.get(pk=transfer.pk)


def _give_up(transfer_id: int, actor, reason: str) -> list[str]:
    """A labelling that failed: every parcel of it not bought is given up, every one bought voided."""
    return _void_finish(_void_begin(transfer_id, actor, reason[:REASON_MAX_LENGTH], checked=False), actor)


@transaction.atomic
def _void_begin(transfer_id: int, actor, reason: str, *, checked: bool) -> list[Shipment]:
    """Lock order: the transfer, then its parcels' shipments (as a manifest closing takes them)."""
    transfer = locks.lock_transfer(transfer_id)
    live = locks.lock_transfer_parcel_shipments(transfer.pk, statuses=LIVE_PARCEL)
    if checked:
        check_transfer_scope(actor, merchant_id=transfer.merchant_id,
                             warehouse_ids=(transfer.from_warehouse_id, transfer.to_warehouse_id))
        if not live:
            raise TransferLabelRefused(f"transfer {transfer.number} has no label to void")
        collected = transfer_parcels(transfer.pk).filter(status__in=COLLECTED_PARCEL).first()
        if collected is not None:
            raise VoidRefused(f"transfer {transfer.number}: parcel {collected.tracking_number} is collected already")
    voiding = []
    for shipment in live:
        if shipment.status == S.AWAITING_LABEL:
            # A purchase still in flight finds it given up and voids what it bought.
            shipment_cancel(shipment=shipment, actor=actor, reason=reason)
        else:
            voiding.append(shipment_void_begin(shipment=shipment, actor=actor, reason=reason))
    return voiding


def _void_finish(voiding: list[Shipment], actor) -> list[str]:
    """Ask the carrier; returns its refusals (those labels are labelled again, still valid)."""
    refused = []
    for shipment in voiding:
        try:
            shipment_void_finish(shipment=shipment, actor=actor)
        except VoidRefused as exc:
            refused.append(exc.message)
    return refused


def parcels_parse(text: str) -> list[ParcelInput]:
    """One parcel a line: `M 1250`, `BOX:M W:1250`, `M 1.2kg`, `600x400x300 8kg`."""
    if not isinstance(text, str) or "\x00" in text or len(text) > 4000:
        raise InvalidParcel("the parcels are too long or hold a NUL byte")
    rows = [row.split() for row in text.splitlines() if row.strip()]
    if len(rows) > MAX_PARCELS:
        raise InvalidParcel(f"a transfer is labelled with at most {MAX_PARCELS} parcels")
    kinds = _carton_types()
    parcels = []
    for number, words in enumerate(rows, start=1):
        weight, kind, sides = None, None, (0, 0, 0)
        for word in words:
            upper = word.upper().removeprefix("BOX:")
            grams, kilos, measured = _GRAMS.match(word), _KILOS.match(word), _SIDES.match(word)
            if measured:
                length, width, height = (int(side) for side in measured.groups())
                sides = (length, width, height)
            elif kilos:
                weight = round(float(kilos.group(1).replace(",", ".")) * 1000)
            elif grams and upper not in kinds:
                weight = int(grams.group(1))
            elif upper in kinds:
                kind = kinds[upper]
            else:
                raise InvalidParcel(f"parcel {number}: {word[:30]!r} is no carton type, size or weight. {PARCELS_HELP}")
        if weight is None:
            raise InvalidParcel(f"parcel {number}: no weight. {PARCELS_HELP}")
        parcels.append(ParcelInput(weight_g=weight, carton_type=kind, length_mm=sides[0], width_mm=sides[1],
                                   height_mm=sides[2]))
    return parcels


def parcels_from_rows(rows: list[dict]) -> list[ParcelInput]:
    """The REST form of the parcels: one dict a parcel (carton_type, weight_g, length_mm, width_mm, height_mm)."""
    kinds = _carton_types()
    parcels = []
    for number, row in enumerate(rows, start=1):
        code = (row.get("carton_type") or "").strip().upper()
        kind = kinds.get(code) if code else None
        if code and kind is None:
            raise InvalidParcel(f"parcel {number}: no carton type {code!r}")
        parcels.append(ParcelInput(weight_g=row["weight_g"], carton_type=kind, length_mm=row.get("length_mm") or 0,
                                   width_mm=row.get("width_mm") or 0, height_mm=row.get("height_mm") or 0))
    return parcels


def _carton_types() -> dict[str, CartonType]:
    return {kind.code.upper(): kind for kind in CartonType.objects.filter(is_active=True)}
