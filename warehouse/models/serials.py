"""Serial numbers of serial-tracked products (GS1 AI 21): one row per unit, captured at receiving and bound to
the carton and order line at pack-out, so an order leads to its serials and a serial to its order."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from warehouse.models.packing import Carton


class SerialUnit(models.Model):
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=20, help_text="GS1 AI 21: up to 20 characters")
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    receipt = models.ForeignKey("warehouse.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="serials")
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Bound at pack-out; a carton emptied (a pack given back) sets it free again.
    carton = models.ForeignKey(Carton, null=True, blank=True, on_delete=models.SET_NULL, related_name="serials")
    order_line_id = models.BigIntegerField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product_id", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["product", "serial"], name="serial_once_per_product"),
            models.CheckConstraint(condition=~models.Q(serial=""), name="serial_not_blank"),
        ]
        indexes = [models.Index(fields=["order_line_id"], name="serial_by_order_line")]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.serial}"
