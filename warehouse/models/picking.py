"""Outbound execution: waves of released fulfillment orders, pick sessions a picker claims, pick lines
in walking order, and discrepancies raised when a bin does not hold what the system says."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from layout.models import Bin, Warehouse, Zone


class PickStrategy(models.TextChoices):
    SINGLE = "single", "Single order"
    BATCH = "batch", "Batch (one cart, a slot per order)"
    ZONE = "zone", "Zone (one session per zone)"


class WaveStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Wave(models.Model):
    Status = WaveStatus

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="waves")
    strategy = models.CharField(max_length=8, choices=PickStrategy.choices, default=PickStrategy.BATCH)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    ship_by_before = models.DateTimeField(null=True, blank=True, help_text="Only orders due before this")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(status__in=WaveStatus.values), name="wave_status_valid")]

    def __str__(self) -> str:
        return f"W-{self.pk}"


class PickSessionStatus(models.TextChoices):
    OPEN = "open", "Waiting for a picker"
    CLAIMED = "claimed", "Being picked"
    DONE = "done", "Picked"
    CANCELLED = "cancelled", "Cancelled"


class PickSession(models.Model):
    """What one picker walks: one order, a batch in a cart, or one zone of a wave."""

    Status = PickSessionStatus

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="sessions")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    strategy = models.CharField(max_length=8, choices=PickStrategy.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    priority = models.IntegerField(default=0)
    ship_by = models.DateTimeField(null=True, blank=True)
    route_length = models.PositiveIntegerField(default=0, help_text="Planned walk, decimetres")
    pending_qty = models.PositiveIntegerField(null=True, blank=True, help_text="Typed quantity for the next item scan")
    picker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last time a manager took it from its picker: when, who and why (a picker giving it back needs no reason).
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)
    release_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-priority", "ship_by", "id"]
        indexes = [
            models.Index(fields=["warehouse", "status", "priority", "ship_by"], name="pick_session_queue"),
            # The dashboards' lines picked in a window, per facility and per picker.
            models.Index(fields=["completed_at"], condition=Q(status="done"), name="pick_session_done_at"),
            models.Index(fields=["warehouse", "completed_at"], condition=Q(status="done"), name="pick_session_done_at_by_wh"),
            # Lines worked in sessions completed in a time range, whatever the session's state (the open day
            # and the window's first part, read live beside the daily rollups).
            models.Index(fields=["completed_at"], condition=Q(completed_at__isnull=False), name="pick_session_completed_at"),
        ]
        constraints = [models.CheckConstraint(condition=Q(status__in=PickSessionStatus.values), name="pick_session_status_valid")]

    def __str__(self) -> str:
        return f"P-{self.pk}"


class PickSlot(models.Model):
    """A fulfillment order's place in the session's cart, with the tote it is picked into."""

    session = models.ForeignKey(PickSession, on_delete=models.CASCADE, related_name="slots")
    fulfillment_order = models.ForeignKey("orders.FulfillmentOrder", on_delete=models.PROTECT, related_name="pick_slots")
    slot = models.PositiveSmallIntegerField()
    tote = models.ForeignKey(Bin, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["slot"]
        constraints = [models.UniqueConstraint(fields=["session", "slot"], name="pick_slot_unique")]


class PickLineStatus(models.TextChoices):
    OPEN = "open", "To pick"
    PICKED = "picked", "Picked"
    FAILED = "failed", "Failed (discrepancy)"
    CANCELLED = "cancelled", "Cancelled"


class PickLine(models.Model):
    Status = PickLineStatus

    session = models.ForeignKey(PickSession, on_delete=models.CASCADE, related_name="lines")
    slot = models.ForeignKey(PickSlot, on_delete=models.CASCADE, related_name="lines")
    reservation = models.ForeignKey("inventory.Reservation", on_delete=models.PROTECT, related_name="+")
    order_line_id = models.BigIntegerField()
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(max_length=40, blank=True)
    qty = models.PositiveIntegerField()
    picked_qty = models.PositiveIntegerField(default=0)
    failed_qty = models.PositiveIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0)
    bin_confirmed = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(picked_qty__lte=F("qty")), name="pick_line_not_over_picked"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="pick_line_qty_positive"),
            models.CheckConstraint(condition=Q(status__in=PickLineStatus.values), name="pick_line_status_valid"),
        ]
        indexes = [models.Index(fields=["bin", "status"], name="pick_line_by_bin")]

    @property
    def remaining(self) -> int:
        return self.qty - self.picked_qty - self.failed_qty


class DiscrepancyKind(models.TextChoices):
    BIN_EMPTY = "bin_empty", "Bin empty"
    SHORT = "short", "Short"
    DAMAGED = "damaged", "Damaged"


class Discrepancy(models.Model):
    """The bin did not hold what the system said. The stock is flagged until someone resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Resolution(models.TextChoices):
        FOUND = "found", "Found: stock was there (unflag)"
        ADJUSTED = "adjusted", "Adjusted through the ledger"
        RECOUNT = "recount", "Recount requested"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="discrepancies")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=DiscrepancyKind.choices)
    expected_qty = models.IntegerField(help_text="What the system said the bin held")
    found_qty = models.IntegerField(help_text="What the picker found")
    pick_line = models.ForeignKey(PickLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="discrepancies")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(max_length=255, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["warehouse", "status"], name="discrepancy_queue")]
        constraints = [models.CheckConstraint(condition=Q(status__in=["open", "resolved"]), name="discrepancy_status_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product_id}@{self.bin.code}"
