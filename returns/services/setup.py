"""Where returns sit in a warehouse: an intake bin (returned-pending units), a disposition holding bin
(units graded for refurbish, liquidation, donation, destruction or the vendor) and a parcel shelf for
parcels that match nothing yet. Made on first use in the warehouse's returns zone."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from layout.models import Bin, Warehouse, Zone

INTAKE, HOLDING, PARCELS = "RET-IN", "RET-HOLD", "RET-PARCEL"


@dataclass(frozen=True)
class ReturnsBins:
    intake: Bin
    holding: Bin
    parcels: Bin


def returns_bins(warehouse: Warehouse) -> ReturnsBins:
    found = {b.code: b for b in Bin.objects.filter(warehouse=warehouse, code__in=[INTAKE, HOLDING, PARCELS])}
    if len(found) < 3:
        _create(warehouse)
        found = {b.code: b for b in Bin.objects.filter(warehouse=warehouse, code__in=[INTAKE, HOLDING, PARCELS])}
    return ReturnsBins(intake=found[INTAKE], holding=found[HOLDING], parcels=found[PARCELS])


def _create(warehouse: Warehouse) -> None:
    try:
        with transaction.atomic():
            zone = Zone.objects.filter(warehouse=warehouse, kind=Zone.Kind.RETURNS).order_by("pk").first()
            if zone is None:
                zone, _ = Zone.objects.get_or_create(warehouse=warehouse, code="RET",
                                                     defaults={"name": "Returns", "kind": Zone.Kind.RETURNS})
            for code in (INTAKE, HOLDING, PARCELS):
                Bin.objects.get_or_create(warehouse=warehouse, code=code, defaults={
                    "zone": zone, "kind": Bin.Kind.RETURNS, "is_pickable": False,
                })
    except IntegrityError:  # a concurrent first use made them
        pass
