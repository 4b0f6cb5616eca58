from __future__ import annotations

from django.db import models
from django.db.models import Q

from inventory.models import Merchant
from layout.models import Warehouse
from orders.models.order import Order, OrderLine


class RoutingRule(models.TextChoices):
    NEAREST = "nearest", "Nearest warehouse to the ship-to address"
    CHEAPEST = "cheapest", "Lowest estimated shipping cost"
    FASTEST = "fastest", "Fewest transit days"
    CAPACITY = "capacity", "Least loaded warehouse"


class RoutingPolicy(models.Model):
    """How a merchant's orders are allocated: rules in priority order, splits, release mode."""

    class Release(models.TextChoices):
        AUTOMATIC = "automatic", "Release as soon as allocated"
        BATCH = "batch", "Release in batches by a manager"

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="routing_policy")
    rules = models.JSONField(default=list, help_text=f"Ordered list of: {', '.join(RoutingRule.values)}")
    allow_split = models.BooleanField(default=False, help_text="Ship one order from several warehouses")
    release = models.CharField(max_length=12, choices=Release.choices, default=Release.AUTOMATIC)

    def ordered_rules(self) -> list[str]:
        rules = [rule for rule in self.rules if rule in RoutingRule.values]
        return rules or [RoutingRule.NEAREST]


class FulfillmentStatus(models.TextChoices):
    """Its lifecycle: `orders.state.FULFILLMENT`; changed only by `orders.services.fulfillments.fulfillment_transition`."""

    ALLOCATED = "allocated", "Allocated"
    RELEASED = "released", "Released to the warehouse"
    IN_WAVE = "in_wave", "Planned into a pick wave"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed and labelled"
    CANCEL_REQUESTED = "cancel_requested", "Cancel requested"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class FulfillmentOrder(models.Model):
    """The part of an order one warehouse must ship: the WMS's unit of outbound work."""

    Status = FulfillmentStatus

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillment_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="fulfillment_orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ALLOCATED)
    # Set while the warehouse has been asked to stop its work and has not reported back yet.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancel_notify_storefront = models.BooleanField(default=True)
    ship_by = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=64, blank=True)
    service = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ship_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "warehouse"], condition=~Q(status__in=["shipped", "cancelled"]),
                name="fulfillment_one_open_per_order_warehouse",
            ),
            models.CheckConstraint(
                condition=Q(status__in=FulfillmentStatus.values), name="fulfillment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "status", "ship_by"]),
            models.Index(fields=["cancel_requested_at"], condition=Q(cancel_requested_at__isnull=False),
                         name="fulfillment_cancel_pending"),
            # The dashboards' shipped-in-a-window figures (on-time rate, order-to-ship, throughput).
            models.Index(fields=["shipped_at"], condition=Q(status="shipped"), name="fulfillment_shipped_at"),
            models.Index(fields=["warehouse", "shipped_at"], condition=Q(status="shipped"),
                         name="fulfillment_shipped_at_by_wh"),
            # The shipped-late list: the few late ones of a window without reading every shipment in it.
            models.Index(fields=["shipped_at"], condition=Q(status="shipped", shipped_at__gt=models.F("ship_by")),
                         name="fulfillment_shipped_late"),
        ]

    def __str__(self) -> str:
        return f"FO-{self.pk} {self.order.order_number}@{self.warehouse.code}"


class FulfillmentLine(models.Model):
    fulfillment_order = models.ForeignKey(FulfillmentOrder, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="fulfillment_lines")
    qty = models.IntegerField()
    shipped_qty = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fulfillment_order", "order_line"], name="fulfillment_line_unique"),
            models.CheckConstraint(condition=Q(qty__gte=0), name="fulfillment_line_qty_not_negative"),
            models.CheckConstraint(condition=Q(shipped_qty__gte=0, shipped_qty__lte=models.F("qty")),
                                   name="fulfillment_line_shipped_in_range"),
        ]
