"""Inbound: purchase orders and ASNs, receipts at the dock, receiving exceptions, putaway tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from inventory.models.stock import Condition
from inventory.models.tenancy import MerchantScopedQuerySet
from layout.models import Bin, Warehouse


class InboundKind(models.TextChoices):
    PURCHASE_ORDER = "po", "Purchase order"
    ASN = "asn", "Advance shipping notice"


class InboundStatus(models.TextChoices):
    OPEN = "open", "Open"
    RECEIVING = "receiving", "Receiving"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


class PurchaseOrder(models.Model):
    """What a supplier says is coming: a PO, or an ASN that may also list cartons by SSCC."""

    Kind = InboundKind
    Status = InboundStatus

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=40)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PURCHASE_ORDER)
    supplier = models.CharField(max_length=200, blank=True)
    expected_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    over_receipt_tolerance_pct = models.PositiveSmallIntegerField(
        default=10, help_text="Units over the expected quantity accepted, as a percentage of it"
    )
    allow_unexpected = models.BooleanField(default=True, help_text="Receive SKUs the document does not list")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Who cancelled it, when and why (a cancel always gives its reason).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=150, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="po_number_unique_per_merchant"),
            models.CheckConstraint(condition=~Q(number=""), name="po_number_not_blank"),
            models.CheckConstraint(condition=Q(status__in=InboundStatus.values), name="purchase_order_status_valid"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def barcode(self) -> str:
        return f"PO:{self.number}"


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    expected_qty = models.PositiveIntegerField(default=0)
    received_qty = models.PositiveIntegerField(default=0, help_text="Sellable units received")
    damaged_qty = models.PositiveIntegerField(default=0, help_text="Units received into the damaged condition")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "product"], name="po_line_unique_product")]

    def __str__(self) -> str:
        return f"{self.purchase_order.number} {self.product.sku}"

    @property
    def total_received(self) -> int:
        return self.received_qty + self.damaged_qty

    @property
    def outstanding(self) -> int:
        return max(self.expected_qty - self.total_received, 0)

    @property
    def over(self) -> int:
        return max(self.total_received - self.expected_qty, 0)


class AsnCarton(models.Model):
    """A carton or pallet announced on an ASN: scanning its SSCC receives all of it at once."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="cartons")
    sscc = models.CharField(max_length=18)
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    lot = models.CharField(max_length=40, blank=True)
    expiry = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purchase_order", "sscc", "product", "lot"], name="asn_carton_unique")]


class ReceiptStatus(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    PUTAWAY = "putaway", "Awaiting putaway"
    STOCKED = "stocked", "Stocked"


class Receipt(models.Model):
    """One receiving session of a PO/ASN at a dock. Its dock-to-stock clock runs from the first unit
    received to the last unit put away."""

    Status = ReceiptStatus

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="receipts")
    dock_bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVING)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    pending_qty = models.PositiveIntegerField(null=True, blank=True, help_text="Typed quantity for the next item scan")
    pending_damaged = models.BooleanField(default=False, help_text="The next item scan is received as damaged")
    opened_at = models.DateTimeField(auto_now_add=True)
    first_received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stocked_at = models.DateTimeField(null=True, blank=True)
    dock_to_stock_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order"], condition=Q(status="receiving"), name="one_open_receipt_per_po"
            ),
            models.CheckConstraint(condition=Q(status__in=ReceiptStatus.values), name="receipt_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.pk} of {self.purchase_order.number}"


class ExceptionKind(models.TextChoices):
    OVER = "over", "Over-receipt"
    SHORT = "short", "Short"
    DAMAGED = "damaged", "Damaged"
    UNEXPECTED_SKU = "unexpected_sku", "Unexpected SKU"
    UNKNOWN_BARCODE = "unknown_barcode", "Unknown barcode"


class ReceivingException(models.Model):
    """Something at the dock that did not match the paperwork, kept for a manager to review."""

    Kind = ExceptionKind

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    product = models.ForeignKey("inventory.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(max_length=80, blank=True)
    qty = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["kind"], condition=Q(resolved_at__isnull=True), name="open_receiving_exceptions")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.barcode or (self.product.sku if self.product_id else '')}"


class PutawayStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed"
    DONE = "done", "Done"


class PutawayTask(models.Model):
    """A group of received units (product, condition, lot) to move from the dock into storage: units of a PO
    receipt, or units of a transfer received from another warehouse (exactly one of the two)."""

    Status = PutawayStatus

    receipt = models.ForeignKey(Receipt, null=True, blank=True, on_delete=models.CASCADE, related_name="putaway_tasks")
    transfer = models.ForeignKey("warehouse.TransferOrder", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="putaway_tasks")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    from_bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=16, choices=Condition.choices, default=Condition.SELLABLE)
    lot = models.CharField(max_length=40, blank=True)
    expiry = models.DateField(null=True, blank=True)
    qty = models.PositiveIntegerField()
    put_qty = models.PositiveIntegerField(default=0)
    pending_qty = models.PositiveIntegerField(null=True, blank=True, help_text="Typed quantity for the next bin scan")
    suggested_bin = models.ForeignKey(Bin, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    suggestion_reason = models.CharField(max_length=200, blank=True)
    override_bin = models.ForeignKey(
        Bin, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="A scanned bin other than the suggestion, waiting for the operator's reason",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(put_qty__lte=F("qty")), name="putaway_not_over_put"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="putaway_qty_positive"),
            models.CheckConstraint(condition=Q(status__in=PutawayStatus.values), name="putaway_task_status_valid"),
            models.CheckConstraint(
                condition=Q(receipt__isnull=False, transfer__isnull=True) | Q(receipt__isnull=True, transfer__isnull=False),
                name="putaway_task_one_source",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status", "created_at"], name="putaway_queue")]

    def __str__(self) -> str:
        return f"Putaway {self.qty} x {self.product.sku}"

    @property
    def remaining(self) -> int:
        return self.qty - self.put_qty

    @property
    def reference(self) -> str:
        """The document the units came in on, as the ledger names it."""
        return f"receipt:{self.receipt_id}" if self.receipt_id else f"transfer:{self.transfer.number}"


class PutawayOverrideReason(models.TextChoices):
    BIN_FULL = "bin_full", "Suggested bin is full"
    BIN_BLOCKED = "bin_blocked", "Suggested bin blocked or damaged"
    CONSOLIDATE = "consolidate", "Consolidated with existing stock"
    OTHER = "other", "Other"


class PutawayStep(models.Model):
    """One confirmed move of a putaway task into a bin, with the override reason when not the suggestion."""

    task = models.ForeignKey(PutawayTask, on_delete=models.CASCADE, related_name="steps")
    to_bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    suggested_bin = models.ForeignKey(Bin, null=True, on_delete=models.SET_NULL, related_name="+")
    override_reason = models.CharField(max_length=16, choices=PutawayOverrideReason.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
