from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from inventory.models import Merchant, MerchantScopedQuerySet, Product
from orders.models.channel import Channel


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ON_HOLD = "on_hold", "On hold"
    BACKORDERED = "backordered", "Backordered"
    PARTIALLY_ALLOCATED = "partially_allocated", "Partially allocated"
    ALLOCATED = "allocated", "Allocated"
    RELEASED = "released", "Released to the warehouse"
    IN_PROGRESS = "in_progress", "Picking / packing"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class PaymentStatus(models.TextChoices):
    PAID = "paid", "Paid"
    PENDING = "pending", "Pending"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"
    OVERNIGHT = "overnight", "Overnight"


NOTE_MAX = 2000
GIFT_MESSAGE_MAX = 500


class Order(models.Model):
    Status = OrderStatus

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(max_length=64, help_text="The storefront's order id")
    order_number = models.CharField(max_length=64, help_text="What the customer sees, e.g. #1001")
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    email = models.EmailField(blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    ship_name = models.CharField(max_length=200, blank=True)
    ship_company = models.CharField(max_length=200, blank=True)
    ship_line1 = models.CharField(max_length=200, blank=True)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=100, blank=True)
    ship_region = models.CharField(max_length=64, blank=True)
    ship_postal_code = models.CharField(max_length=20, blank=True)
    ship_country = models.CharField(max_length=2, blank=True)
    ship_phone = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    service_level = models.CharField(max_length=16, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    note = models.CharField(max_length=NOTE_MAX, blank=True, help_text="The customer's note to the merchant")
    gift_message = models.CharField(max_length=GIFT_MESSAGE_MAX, blank=True, help_text="Printed on the packing slip")
    priority = models.PositiveSmallIntegerField(default=0, help_text="Higher goes first")
    placed_at = models.DateTimeField(null=True, blank=True)
    channel_updated_at = models.DateTimeField(null=True, blank=True, help_text="Storefront's last modification seen")
    ship_by = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()
    warehouse_scope = "fulfillment_orders__warehouse"  # staff limited to warehouses see the orders shipping from them

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="order_one_per_channel_external_id"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
        ]
        indexes = [models.Index(fields=["merchant", "status"]), models.Index(fields=["order_number"])]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.get_status_display()})"

    @property
    def open_holds(self):
        return [hold for hold in self.holds.all() if hold.released_at is None]


class OrderBundleLine(models.Model):
    """A storefront line for a bundle SKU, as sold (its price, its line id). The warehouse works its
    exploded component OrderLines; the storefront line is fulfilled when all its components ship."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="bundle_lines")
    line_no = models.PositiveIntegerField(help_text="The line number of its first component line")
    external_line_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=64)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="bundle_order_lines")
    name = models.CharField(max_length=255, blank=True)
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_bundle_line_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="order_bundle_line_qty_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity} (bundle)"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    bundle_line = models.ForeignKey(
        OrderBundleLine, null=True, blank=True, on_delete=models.CASCADE, related_name="components",
        help_text="The storefront bundle line this component line was exploded from",
    )
    bundle_qty_per = models.PositiveIntegerField(default=0, help_text="Units of this component in one bundle")
    line_no = models.PositiveIntegerField()
    external_line_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=64)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines")
    name = models.CharField(max_length=255, blank=True)
    quantity = models.IntegerField()
    cancelled_qty = models.IntegerField(default=0)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="order_line_qty_not_negative"),
            models.CheckConstraint(condition=Q(cancelled_qty__gte=0, cancelled_qty__lte=models.F("quantity")), name="order_line_cancelled_in_range"),
            models.CheckConstraint(
                condition=Q(bundle_line__isnull=True, bundle_qty_per=0) | Q(bundle_line__isnull=False, bundle_qty_per__gt=0),
                name="order_line_bundle_share_set_with_bundle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"

    @property
    def open_qty(self) -> int:
        return self.quantity - self.cancelled_qty


class HoldKind(models.TextChoices):
    PAYMENT_PENDING = "payment_pending", "Payment pending"
    FRAUD_REVIEW = "fraud_review", "Fraud review"
    ADDRESS_INVALID = "address_invalid", "Address invalid"
    UNKNOWN_SKU = "unknown_sku", "Unknown SKU"
    INVALID_QUANTITY = "invalid_quantity", "Invalid quantity"
    MANUAL = "manual", "Manual"
    UPDATE_AFTER_PICK = "update_after_pick", "Storefront update after pick"
    UPDATE_AFTER_SHIP = "update_after_ship", "Storefront update after shipping"
    STOREFRONT_HOLD = "storefront_hold", "Held on the storefront"


class OrderHold(models.Model):
    Kind = HoldKind

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(max_length=24, choices=HoldKind.choices)
    reason = models.CharField(max_length=500)
    placed_by = models.CharField(max_length=150)
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.CharField(max_length=150, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["placed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"], condition=Q(released_at__isnull=True), name="order_hold_one_open_per_kind"
            ),
            models.CheckConstraint(condition=Q(kind__in=HoldKind.values), name="order_hold_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class OrderEvent(models.Model):
    """The order's timeline: who or what did what, when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    message = models.TextField()
    actor_label = models.CharField(max_length=150)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}: {self.message}"


class IdempotencyKey(models.Model):
    """REST order creation: the same key and body return the same order; another body is refused."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_unique_per_merchant")]


class ChangeRequestKey(models.Model):
    """An order change over the API sent with an Idempotency-Key: a retry with the same key and body gets the
    first answer again (the change is not applied twice); the same key with another body or endpoint is refused.
    Keys belong to the caller (the token's user), so two merchants' keys never meet."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=60)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="change_request_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} {self.endpoint} order {self.order_id}"
