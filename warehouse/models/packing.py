"""Pack-out: a fulfillment order's picked units verified into cartons (labels: `shipping.Shipment`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CartonType(models.Model):
    code = models.CharField(max_length=20, unique=True, help_text="Scanned as BOX:<code>")
    name = models.CharField(max_length=100)
    length_mm = models.PositiveIntegerField()
    width_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    max_weight_g = models.PositiveIntegerField(default=30_000)
    tare_g = models.PositiveIntegerField(default=0, help_text="The empty carton's weight")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["length_mm", "width_mm", "height_mm"]

    @property
    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    def __str__(self) -> str:
        return f"{self.code} ({self.length_mm}x{self.width_mm}x{self.height_mm} mm)"


class PackStatus(models.TextChoices):
    OPEN = "open", "Packing"
    CLOSING = "closing", "Closing: labels being bought"
    LABELLED = "labelled", "Packed and labelled (its shipments say when they left)"
    CANCELLED = "cancelled", "Cancelled"


class Pack(models.Model):
    """One packer verifying one fulfillment order's picked units into cartons."""

    Status = PackStatus

    fulfillment_order = models.ForeignKey("orders.FulfillmentOrder", on_delete=models.PROTECT, related_name="packs")
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    tote = models.ForeignKey("layout.Bin", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pack_bin = models.ForeignKey("layout.Bin", on_delete=models.PROTECT, related_name="+", help_text="The pack station")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    packer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pending_qty = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    closing_since = models.DateTimeField(null=True, blank=True, help_text="When the label purchase started (a lease)")
    close_problem = models.CharField(max_length=500, blank=True, help_text="Why the last close did not label the pack")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["fulfillment_order"], condition=Q(status__in=["open", "closing", "labelled"]),
                                    name="pack_one_live_per_fulfillment"),
            models.CheckConstraint(condition=Q(status__in=PackStatus.values), name="pack_status_valid"),
        ]

    def __str__(self) -> str:
        return f"PK-{self.pk}"


class CartonStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Carton(models.Model):
    """A physical box of a pack. Its label, rate and tracking live on `shipping.Shipment`."""

    Status = CartonStatus

    pack = models.ForeignKey(Pack, on_delete=models.CASCADE, related_name="cartons")
    number = models.PositiveSmallIntegerField()
    carton_type = models.ForeignKey(CartonType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    weight_g = models.PositiveIntegerField(null=True, blank=True, help_text="Weighed at the station; else computed")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["pack_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "number"], name="carton_number_per_pack"),
            models.CheckConstraint(condition=Q(status__in=CartonStatus.values), name="carton_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.pack} #{self.number}"


class CartonItem(models.Model):
    carton = models.ForeignKey(Carton, on_delete=models.CASCADE, related_name="items")
    order_line_id = models.BigIntegerField()
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carton", "order_line_id"], name="carton_item_per_line"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="carton_item_qty_positive"),
        ]


class PackingSlipTemplate(models.Model):
    """What a merchant's packing slip says. A template for a product tag (say "gift" or "fragile") wins over
    the merchant's default when the order holds such a product."""

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.CASCADE, related_name="packing_slip_templates")
    product_tag = models.CharField(max_length=40, blank=True, help_text="Blank: the merchant's default slip")
    title = models.CharField(max_length=100, default="Packing slip")
    header_note = models.TextField(blank=True, help_text="Printed under the title, e.g. a thank-you")
    footer_note = models.TextField(blank=True, help_text="Returns policy, care instructions, ...")
    show_prices = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "product_tag"], name="packing_slip_template_per_tag")]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.product_tag or 'default'}"
