"""The transfer label station at a source warehouse: scan a picked transfer's number (or its staging bin), enter its
parcels as at pack-out (carton type and weight), and print the labels. The parcels ship when their carrier's
manifest closes (the manifests page)."""

from __future__ import annotations

import re

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from inventory.tenancy import warehouses_visible_to
from shipping.models import Shipment
from warehouse.models import CartonType, TransferStatus
from warehouse.outbound.services.transfer_labels import (
    MAX_PARCELS,
    InvalidParcel,
    ParcelInput,
    transfer_for_label_scan,
    transfer_label,
)
from warehouse.transfer_selectors import LIVE_PARCEL, transfers_visible_to

PARCELS_HELP = ("One parcel a line: a carton type and the weight (M 1250, M 1.2kg, BOX:M W:1250), "
                "or the sides in mm and the weight (600x400x300 8kg)")
_SIDES = re.compile(r"^(\d{1,4})[xX*](\d{1,4})[xX*](\d{1,4})$")
_GRAMS = re.compile(r"^(?:W:)?(\d{1,6})\s*G?$", re.I)
_KILOS = re.compile(r"^(\d{1,3}(?:[.,]\d{1,3})?)\s*KG$", re.I)


@area_required("packing")
def transfer_label_station(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    return _render(request, warehouse, reply=None)


@require_POST
@area_required("packing")
def transfer_label_submit(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    try:
        transfer = transfer_for_label_scan(warehouse=warehouse, raw=request.POST.get("code", ""), user=request.user)
        done = transfer_label(transfer=transfer, warehouse=warehouse, parcels=parcels_parse(request.POST.get("parcels", "")),
                              actor=request.user)
    except DomainError as exc:
        return _render(request, warehouse, reply={"ok": False, "message": exc.message}, status=exc.status_code,
                       parcels=request.POST.get("parcels", "")[:2000])
    numbers = ", ".join(f"{s.carrier} {s.tracking_number}" for s in done.shipments)
    resumed = " (the labelling left unfinished was completed)" if done.resumed else ""
    return _render(request, warehouse, shipments=done.shipments, reply={
        "ok": True, "message": f"Transfer {done.transfer.number} to {done.transfer.to_warehouse.code} labelled{resumed}: "
                               f"{numbers}. Print the labels; it ships when the manifest closes"})


def parcels_parse(text: str) -> list[ParcelInput]:
    """One parcel a line: `M 1250`, `BOX:M W:1250`, `M 1.2kg`, `600x400x300 8kg`."""
    if not isinstance(text, str) or "\x00" in text or len(text) > 4000:
        raise InvalidParcel("the parcels are too long or hold a NUL byte")
    rows = [row.split() for row in text.splitlines() if row.strip()]
    if len(rows) > MAX_PARCELS:
        raise InvalidParcel(f"a transfer is labelled with at most {MAX_PARCELS} parcels")
    kinds = {kind.code.upper(): kind for kind in CartonType.objects.filter(is_active=True)}
    parcels = []
    for number, words in enumerate(rows, start=1):
        weight, kind, sides = None, None, (0, 0, 0)
        for word in words:
            upper = word.upper().removeprefix("BOX:")
            grams, kilos, measured = _GRAMS.match(word), _KILOS.match(word), _SIDES.match(word)
            if measured:
                sides = tuple(int(side) for side in measured.groups())
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


def _render(request, warehouse, *, reply, status: int = 200, parcels: str = "", shipments=()):
    visible = transfers_visible_to(request.user).filter(from_warehouse=warehouse, status=TransferStatus.PICKING)
    labelled = visible.filter(parcels__shipment__status__in=LIVE_PARCEL).distinct()
    waiting = visible.exclude(pk__in=labelled.values("pk")).filter(lines__picked_qty__gt=0).distinct()
    return render(request, "warehouse/transfer_label_station.html", {
        "warehouse": warehouse, "reply": reply, "parcels": parcels, "parcels_help": PARCELS_HELP,
        "shipments": shipments, "carton_types": CartonType.objects.filter(is_active=True),
        "waiting": waiting.order_by("released_at", "pk")[:50],
        "labelled": Shipment.objects.filter(transfer_parcel__transfer__in=labelled, status__in=LIVE_PARCEL)
        .select_related("destination").order_by("document", "id")[:100],
    }, status=status)
