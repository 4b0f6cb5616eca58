"""A lot recall: every bin holding the lot flagged, every order that shipped it listed for the merchant."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from inventory.models.tenancy import MerchantScopedQuerySet


class LotRecall(models.Model):
    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.CharField(max_length=40)
    reason = models.CharField(max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()
    warehouse_scope = ""  # a recall spans every warehouse holding or shipping the lot

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot"], name="lot_recall_once_per_lot"),
            models.CheckConstraint(condition=~models.Q(lot=""), name="lot_recall_lot_not_blank"),
        ]

    def __str__(self) -> str:
        return f"recall {self.product_id} lot {self.lot}"
