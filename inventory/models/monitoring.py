"""What the IMS tells people and storefronts about stock: low stock, drift, availability changes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from inventory.models.product import Product
from layout.models import Warehouse


class ReorderRule(models.Model):
    """A warehouse-specific reorder point; overrides Product.reorder_point for that warehouse."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reorder_rules")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    reorder_point = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "warehouse"], name="reorder_rule_unique")]


class LowStockAlert(models.Model):
    """Raised once when available stock crosses down to the reorder point; closed when it recovers.

    warehouse is null for the product-wide (all warehouses) reorder point.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="low_stock_alerts")
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reorder_point = models.PositiveIntegerField()
    available_at_crossing = models.IntegerField()
    raised_at = models.DateTimeField(auto_now_add=True)
    recovered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"],
                condition=Q(recovered_at__isnull=True),
                nulls_distinct=False,
                name="low_stock_one_open_alert",
            )
        ]


class DriftFinding(models.Model):
    """A broken stock invariant found by the drift check: somebody wrote the tables behind the services."""

    class Kind(models.TextChoices):
        BIN_SUM = "bin_sum", "on_hand != sum of bin stock"
        LEDGER_SUM = "ledger_sum", "on_hand != sum of the ledger"
        ALLOCATED = "allocated", "allocated != sum of open reservations"
        UNAVAILABLE = "unavailable", "unavailable != damaged + quarantined + flagged bin stock"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recorded = models.IntegerField(help_text="What StockLevel says")
    recomputed = models.IntegerField(help_text="What the detail rows add up to")
    found_at = models.DateTimeField(auto_now_add=True)
    run = models.UUIDField()

    class Meta:
        ordering = ["-found_at"]


class AvailabilityChange(models.Model):
    """A (product, warehouse) whose available-to-sell changed since its readers last looked.

    Written by the stock operation in its own transaction, one row per (product, warehouse) however many
    changes happen (coalesced). Per warehouse, not per product: the operation already holds that warehouse's
    StockLevel lock, so the row adds no wait and no lock-order edge between warehouses.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="availability_change_one_per_level")
        ]
        indexes = [models.Index(fields=["changed_at"], name="availability_change_oldest")]
