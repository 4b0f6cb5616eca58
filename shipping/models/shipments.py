"""Shipping rules per merchant, end-of-day manifests, and carrier tracking events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from orders.models import FulfillmentOrder


class ShippingRule(models.Model):
    """Evaluated in `priority` order; the first rule whose conditions all hold decides the rate.
    Blank conditions match anything."""

    class Action(models.TextChoices):
        USE_SERVICE = "use_service", "Use this carrier and service"
        RATE_SHOP = "rate_shop", "Cheapest rate that meets the promised delivery"

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.CASCADE, related_name="shipping_rules")
    name = models.CharField(max_length=100)
    priority = models.IntegerField(default=100)
    is_active = models.BooleanField(default=True)
    min_weight_g = models.PositiveIntegerField(null=True, blank=True)
    max_weight_g = models.PositiveIntegerField(null=True, blank=True)
    max_dimension_mm = models.PositiveIntegerField(null=True, blank=True, help_text="Longest side at most")
    countries = models.CharField(max_length=200, blank=True, help_text="Comma-separated ISO codes")
    regions = models.CharField(max_length=200, blank=True, help_text="Comma-separated state/region codes")
    min_order_value = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    max_order_value = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    service_levels = models.CharField(max_length=100, blank=True, help_text="standard, expedited, overnight")
    sku_tags = models.CharField(max_length=200, blank=True, help_text="Any of these product tags")
    action = models.CharField(max_length=12, choices=Action.choices, default=Action.RATE_SHOP)
    carrier = models.CharField(max_length=32, blank=True)
    service = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["merchant_id", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.name}"


class Manifest(models.Model):
    """End of day: the cartons one carrier collects from one warehouse. Closing it ship-confirms them."""

    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="manifests")
    carrier = models.CharField(max_length=32)
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"M-{self.pk} {self.carrier}"


class ShipmentStatus(models.TextChoices):
    AWAITING_LABEL = "awaiting_label", "Waiting for its label"
    LABELLED = "labelled", "Labelled, waiting for the carrier"
    VOIDING = "voiding", "Void asked of the carrier"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Delivery exception"
    VOIDED = "voided", "Label voided"
    CANCELLED = "cancelled", "Not labelled (the pack was reopened)"


class ShipmentPurpose(models.TextChoices):
    ORDER = "order", "An order's carton"
    TRANSFER = "transfer", "A parcel of a transfer to another of our warehouses"


class Shipment(models.Model):
    """A carton's label: the carrier, service and rate chosen (and why), the tracking number, the label files.

    The row is written before the label is bought (awaiting a label, with its idempotency `reference`), so a
    purchase that happens outside any transaction is never lost; the same goes for voids (voiding).

    An order's shipment names its fulfillment order and carton. A transfer's parcel names none: it goes to
    `destination` (another of our warehouses) for `merchant`, and `document` is the transfer's number; the WMS
    links it to its transfer (shipping never reads WMS documents)."""

    Status = ShipmentStatus
    Purpose = ShipmentPurpose

    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.ORDER)
    carton = models.ForeignKey("warehouse.Carton", null=True, blank=True, on_delete=models.PROTECT, related_name="shipments")
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    fulfillment_order = models.ForeignKey("orders.FulfillmentOrder", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="shipments")
    merchant = models.ForeignKey("inventory.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text="Whose stock a transfer parcel carries (an order's comes from its order)")
    destination = models.ForeignKey("layout.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text="Where a transfer parcel goes")
    document = models.CharField(max_length=40, blank=True, help_text="The transfer a parcel belongs to, by number")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING_LABEL)
    reference = models.CharField(max_length=64, unique=True, null=True, blank=True,
                                 help_text="Sent with the label purchase; a retry buys with the same reference")
    problem = models.CharField(max_length=500, blank=True, help_text="Why the last label purchase or void failed")
    carrier = models.CharField(max_length=32, blank=True)
    service = models.CharField(max_length=64, blank=True)
    rate_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rate_currency = models.CharField(max_length=3, default="USD")
    rate_reason = models.CharField(max_length=500, blank=True, help_text="Which rule chose the rate, and why")
    weight_g = models.PositiveIntegerField()
    from_bin = models.ForeignKey("layout.Bin", on_delete=models.PROTECT, related_name="+", help_text="Where the carton waits")
    dimensions_mm = models.JSONField(default=list, blank=True, help_text="[length, width, height] of the carton")
    contents = models.JSONField(default=list, help_text="[{order_line_id, product_id, qty}] as packed")
    tracking_number = models.CharField(max_length=64, unique=True, null=True, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True, help_text="As the carrier gave it with the label")
    label_pdf = models.BinaryField(default=bytes, blank=True)
    label_zpl = models.TextField(blank=True)
    estimated_delivery = models.DateField(null=True, blank=True)
    transit_days = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    manifest = models.ForeignKey("shipping.Manifest", null=True, blank=True, on_delete=models.PROTECT, related_name="shipments")
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_xact_id = models.BigIntegerField(null=True, blank=True, editable=False,
                                             help_text="The transaction that shipped it: the ERP feed's order")
    delivered_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="Last status change: how long an intent has waited")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["warehouse", "carrier", "status"], name="shipment_manifest_queue"),
                   models.Index(fields=["status", "updated_at"], name="shipment_intents"),
                   models.Index(fields=["shipped_xact_id", "id"], name="shipment_feed",
                                condition=models.Q(shipped_xact_id__isnull=False))]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ShipmentStatus.values), name="shipment_status_valid"),
            models.CheckConstraint(
                condition=(models.Q(purpose=ShipmentPurpose.ORDER, fulfillment_order__isnull=False, carton__isnull=False,
                                    destination__isnull=True)
                           | models.Q(purpose=ShipmentPurpose.TRANSFER, fulfillment_order__isnull=True, carton__isnull=True,
                                      merchant__isnull=False, destination__isnull=False)
                           & ~models.Q(document="") & ~models.Q(destination=models.F("warehouse"))),
                name="shipment_purpose_documents",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"

    @property
    def is_transfer(self) -> bool:
        return self.purpose == ShipmentPurpose.TRANSFER

    @property
    def order_fulfillment(self) -> FulfillmentOrder:
        """An order shipment's fulfillment order (a transfer parcel has none: `shipment_purpose_documents`)."""
        if self.fulfillment_order is None:
            raise ValueError(f"shipment {self.pk} is a transfer parcel: it has no fulfillment order")
        return self.fulfillment_order

    @property
    def carton_number(self) -> int | None:
        return self.carton.number if self.carton is not None else None

    @property
    def owner_merchant(self):
        """Whose carrier accounts and rules the label uses: the order's merchant, or the transfer's."""
        return self.merchant if self.is_transfer else self.order_fulfillment.order.merchant

    @property
    def document_label(self) -> str:
        """What the manifest and the day's reports print for it: the order number, or the transfer number."""
        return self.document if self.is_transfer else self.order_fulfillment.order.order_number


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    status = models.CharField(max_length=32)
    description = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "status", "occurred_at"], name="tracking_event_once")]
