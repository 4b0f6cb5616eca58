"""Bundles and kits.

A bundle is a storefront SKU made of components: it has no stock of its own, an order line for it is
exploded into component lines at intake, and its available-to-sell is derived from its components.
A product is a bundle if and only if it has BundleComponent rows.

A kit is pre-assembled ahead of time (a gift box with its own GTIN, stocked as a product): a
KitWorkOrder reserves its components at a warehouse, then consumes them and produces the kit into a
bin in one stock transaction. A kit is an ordinary product, never a bundle.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from inventory.models.product import Product
from inventory.models.stock import kit_reservation_line_id
from inventory.models.tenancy import Merchant, MerchantScopedQuerySet
from layout.models import Bin, Warehouse


class BundleComponent(models.Model):
    bundle = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="in_bundles")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(help_text="Units of the component in one bundle")

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["bundle_id", "component_id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bundle_component_qty_positive"),
            models.CheckConstraint(condition=~Q(bundle=models.F("component")), name="bundle_component_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.component_id} in {self.bundle_id}"


class KitWorkOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RELEASED = "released", "Released"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class KitWorkOrder(models.Model):
    Status = KitWorkOrderStatus

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="kit_work_orders")
    kit = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="kit_work_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="kit_work_orders")
    qty = models.PositiveIntegerField(help_text="Kits to assemble")
    status = models.CharField(max_length=16, choices=KitWorkOrderStatus.choices, default=KitWorkOrderStatus.DRAFT)
    to_bin = models.ForeignKey(Bin, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="kit_work_order_qty_positive"),
            models.CheckConstraint(condition=Q(status__in=KitWorkOrderStatus.values), name="kit_work_order_status_valid"),
        ]

    def __str__(self) -> str:
        return f"kit work order {self.pk}: {self.qty} x {self.kit_id} ({self.status})"


class KitWorkOrderLine(models.Model):
    work_order = models.ForeignKey(KitWorkOrder, on_delete=models.CASCADE, related_name="lines")
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    qty_per_kit = models.PositiveIntegerField()

    class Meta:
        ordering = ["work_order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "component"], name="kit_work_order_component_once"),
            models.CheckConstraint(condition=Q(qty_per_kit__gt=0), name="kit_work_order_line_qty_positive"),
        ]

    @property
    def reservation_line_id(self) -> int:
        return kit_reservation_line_id(self.pk)
