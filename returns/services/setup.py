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


DEFAULT_REASONS = (
    ("wrong_size", "Wrong size"),
    ("damaged_in_transit", "Arrived damaged"),
    ("defective", "Defective / does not work"),
    ("not_as_described", "Not as described"),
    ("changed_mind", "Changed mind"),
    ("wrong_item_sent", "Wrong item sent"),
    ("late", "Arrived too late"),
)
DEFAULT_GRADES = (  # code, label, sellable, default disposition, station key
    ("like_new", "Like New", True, "restock", "F1"),
    ("good", "Good", True, "restock", "F2"),
    ("damaged", "Damaged", False, "liquidate", "F3"),
)


def returns_defaults_ensure() -> None:
    """The reason codes and grades every merchant starts with (idempotent; the migration made them too)."""
    from returns.models import Grade, ReasonCode

    for code, label in DEFAULT_REASONS:
        ReasonCode.objects.get_or_create(merchant=None, code=code, defaults={"label": label})
    for code, label, sellable, disposition, key in DEFAULT_GRADES:
        Grade.objects.get_or_create(merchant=None, code=code, defaults={
            "label": label, "sellable": sellable, "disposition": disposition, "key": key})
