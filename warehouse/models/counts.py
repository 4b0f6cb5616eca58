"""Count tasks: someone counts one product in one bin and the ledger is corrected to the count."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from layout.models import Bin, Warehouse


class CountTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "To count"
        DONE = "done", "Counted"
        CANCELLED = "cancelled", "Cancelled"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="count_tasks")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    discrepancy = models.ForeignKey("warehouse.Discrepancy", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="count_tasks")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=255, blank=True)
    system_qty = models.IntegerField(null=True, blank=True, help_text="What the system held when counted")
    counted_qty = models.IntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["warehouse", "status"], name="count_task_queue")]
        constraints = [
            models.CheckConstraint(condition=models.Q(counted_qty__gte=0), name="count_task_counted_not_negative"),
            models.CheckConstraint(condition=models.Q(status__in=["open", "done", "cancelled"]), name="count_task_status_valid"),
        ]

    def __str__(self) -> str:
        return f"C-{self.pk}"
