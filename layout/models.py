"""Warehouse layout: a leaf module any app may import; it imports nothing of ours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA timezone")


class Warehouse(models.Model):
    code = models.SlugField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=64, blank=True, help_text="State or province code")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    square_feet = models.PositiveIntegerField(default=0)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    order_cutoff = models.TimeField(default=dt.time(14, 0), help_text="Local time orders must be released by")
    sla_ship_hours = models.PositiveIntegerField(default=24)
    sla_dock_to_stock_hours = models.PositiveIntegerField(default=24)
    sla_returns_hours = models.PositiveIntegerField(default=72)
    # Capacity: the storage volume is the floor area times the usable stacking height; the dashboards
    # flag a facility whose cubic use passes the alert threshold.
    usable_height_ft = models.PositiveSmallIntegerField(default=12, help_text="Usable storage height, feet")
    capacity_alert_pct = models.PositiveSmallIntegerField(
        default=85, help_text="Cubic or bin use above this percentage flags the facility on the capacity dashboard")
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "warehouse_warehouse"  # the table predates the layout app; no row moved
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="warehouse_coordinates_valid",
            )
        ]

    def __str__(self) -> str:
        return self.code


class ZoneKind(models.TextChoices):
    RECEIVING = "receiving", "Receiving dock"
    STORAGE = "storage", "Storage / pick"
    PACKING = "packing", "Packing"
    SHIPPING = "shipping", "Shipping"
    RETURNS = "returns", "Returns"
    QUARANTINE = "quarantine", "Quarantine"


class BinKind(models.TextChoices):
    SHELF = "shelf", "Shelf"
    PALLET = "pallet", "Pallet"
    DOCK = "dock", "Dock"
    TOTE = "tote", "Tote"
    CART = "cart", "Cart slot"
    PACK_STATION = "pack", "Pack station"
    RETURNS = "returns", "Returns"


class Zone(models.Model):
    Kind = ZoneKind

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="zones")
    code = models.CharField(max_length=16)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        db_table = "warehouse_zone"
        ordering = ["warehouse_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="zone_code_unique_per_warehouse"),
            models.CheckConstraint(condition=models.Q(kind__in=ZoneKind.values), name="zone_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


class Bin(models.Model):
    """The smallest addressable place stock sits. Totes, carts, dock doors and pack stations are bins too."""

    Kind = BinKind
    MOBILE_KINDS = (Kind.TOTE, Kind.CART)
    STORAGE_KINDS = (Kind.SHELF, Kind.PALLET)  # where putaway stores and waves pick from

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="bins")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="bins")
    code = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SHELF)
    walk_x = models.IntegerField(default=0, help_text="Walk coordinate, decimetres")
    walk_y = models.IntegerField(default=0, help_text="Walk coordinate, decimetres")
    aisle = models.CharField(max_length=8, blank=True)
    pick_sequence = models.PositiveIntegerField(default=0)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Units; empty means unlimited")
    is_pickable = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "warehouse_bin"
        ordering = ["warehouse_id", "pick_sequence", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="bin_code_unique_per_warehouse"),
            models.CheckConstraint(condition=models.Q(kind__in=BinKind.values), name="bin_kind_valid"),
            models.CheckConstraint(condition=~models.Q(code=""), name="bin_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_reserve(self) -> bool:
        """Overstock: a storage bin waves never pick eaches from; its units reach a pick face by replenishment."""
        return self.kind in self.STORAGE_KINDS and not self.is_pickable

    @property
    def barcode(self) -> str:
        """What is printed on the bin's label and scanned at stations."""
        prefix = "TOTE" if self.kind in self.MOBILE_KINDS else "BIN"
        return f"{prefix}:{self.code}"
