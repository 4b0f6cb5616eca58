"""Replenishment: a pick face holds a SKU between its minimum and maximum; reserve (overstock) bins hold the
rest and are never picked from for eaches. A task moves units from a reserve bin to the face, by scan."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class PickFace(models.Model):
    """Where a SKU is picked from in a warehouse, and the band its quantity is kept in."""

    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="pick_faces")
    bin = models.ForeignKey("layout.Bin", on_delete=models.PROTECT, related_name="pick_faces")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="pick_faces")
    min_qty = models.PositiveIntegerField(help_text="Below this, a replenishment task is raised")
    max_qty = models.PositiveIntegerField(help_text="A replenishment fills the face up to this")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse_id", "bin__code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "product"], name="pick_face_one_per_sku_and_warehouse"),
            models.CheckConstraint(condition=Q(max_qty__gt=0) & Q(min_qty__lt=F("max_qty")), name="pick_face_band_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.bin_id}:{self.product_id} [{self.min_qty}-{self.max_qty}]"


class ReplenishmentStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    CLAIMED = "claimed", "Being moved"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ReplenishmentReason(models.TextChoices):
    BELOW_MIN = "below_min", "Face under its minimum"
    WAVE_DEMAND = "wave_demand", "A wave needs more than the face holds"


class ReplenishmentTask(models.Model):
    Status = ReplenishmentStatus
    Reason = ReplenishmentReason

    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    pick_face = models.ForeignKey(PickFace, on_delete=models.PROTECT, related_name="tasks")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    from_bin = models.ForeignKey("layout.Bin", on_delete=models.PROTECT, related_name="+", help_text="A reserve bin")
    to_bin = models.ForeignKey("layout.Bin", on_delete=models.PROTECT, related_name="+", help_text="The pick face")
    qty = models.PositiveIntegerField()
    moved_qty = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    from_confirmed = models.BooleanField(default=False, help_text="The operator scanned the reserve bin")
    pending_qty = models.PositiveIntegerField(null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["warehouse", "status", "created_at"], name="replenishment_queue")]
        constraints = [
            models.UniqueConstraint(fields=["pick_face"], condition=Q(status__in=["open", "claimed"]),
                                    name="replenishment_one_live_per_face"),
            models.CheckConstraint(condition=Q(qty__gt=0) & Q(moved_qty__lte=F("qty")), name="replenishment_qty_valid"),
            models.CheckConstraint(condition=Q(status__in=ReplenishmentStatus.values), name="replenishment_status_valid"),
            models.CheckConstraint(condition=Q(reason__in=ReplenishmentReason.values), name="replenishment_reason_valid"),
        ]

    @property
    def remaining(self) -> int:
        return self.qty - self.moved_qty

    def __str__(self) -> str:
        return f"R-{self.pk}"
