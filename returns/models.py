"""Returns: authorizations (RMA) and their lines, parcels as they arrive, units as they are graded, the
merchant's reason codes, grades and disposition rules, resolutions, and inventory flush batches.

Stock never lives here: every unit that enters or leaves goes through inventory.services and its ledger;
these tables say why and who."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from inventory.models import Merchant, MerchantScopedQuerySet, Product
from layout.models import Bin, Warehouse
from orders.models import Order, OrderLine


class Resolution(models.TextChoices):
    REFUND = "refund", "Refund"
    EXCHANGE = "exchange", "Exchange"
    WARRANTY = "warranty", "Warranty replacement"
    STORE_CREDIT = "store_credit", "Store credit"


class Disposition(models.TextChoices):
    """Where a graded unit goes. Restock stays in stock; the others wait in a holding bin for a flush."""

    RESTOCK = "restock", "Restock"
    REFURBISH = "refurbish", "Refurbish"
    LIQUIDATE = "liquidate", "Liquidate"
    DONATE = "donate", "Donate"
    DESTROY = "destroy", "Destroy"
    RETURN_TO_VENDOR = "return_to_vendor", "Return to vendor"


class RmaStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    AUTHORIZED = "authorized", "Authorized"
    IN_TRANSIT = "in_transit", "In transit"
    RECEIVED = "received", "Received"
    GRADED = "graded", "Graded"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class LabelStatus(models.TextChoices):
    NONE = "none", "No label"
    REQUESTED = "requested", "Being bought"
    BOUGHT = "bought", "Bought"
    FAILED = "failed", "Purchase failed"


class ParcelStatus(models.TextChoices):
    OPEN = "open", "Being graded"
    UNMATCHED = "unmatched", "Unexpected, waiting to be matched"
    DONE = "done", "Done"


class UnitStatus(models.TextChoices):
    PENDING = "pending", "Waiting for grading"
    GRADED = "graded", "Graded"


class FlushStatus(models.TextChoices):
    DRAFT = "draft", "Draft, waiting for approval"
    APPROVED = "approved", "Approved"
    EXECUTED = "executed", "Executed"
    CANCELLED = "cancelled", "Cancelled"


class ReasonCode(models.Model):
    """Why the customer sends it back. Rows without a merchant are the defaults every merchant has."""

    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="return_reason_unique_per_merchant"),
            models.UniqueConstraint(fields=["code"], condition=Q(merchant__isnull=True), name="return_reason_default_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class Grade(models.Model):
    """What an inspected unit is worth: Like New, Good, Damaged by default; merchants may add their own.
    `sellable` says whether the unit may go back on the shelf; `disposition` is the default destination."""

    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=100)
    sellable = models.BooleanField(default=True)
    disposition = models.CharField(max_length=20, choices=Disposition.choices, default=Disposition.RESTOCK)
    key = models.CharField(max_length=4, blank=True, help_text="Station function key, e.g. F1")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["key", "code"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="return_grade_unique_per_merchant"),
            models.UniqueConstraint(fields=["code"], condition=Q(merchant__isnull=True), name="return_grade_default_unique"),
            models.CheckConstraint(condition=Q(disposition__in=Disposition.values), name="return_grade_disposition_valid"),
            models.CheckConstraint(condition=Q(sellable=True) | ~Q(disposition="restock"), name="return_grade_restock_needs_sellable"),
        ]

    def __str__(self) -> str:
        return self.label


class DispositionRule(models.Model):
    """A merchant's own destination for a grade (optionally for one reason): beats the grade's default."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    grade_code = models.SlugField(max_length=32)
    reason_code = models.SlugField(max_length=32, blank=True, help_text="Empty: any reason")
    disposition = models.CharField(max_length=20, choices=Disposition.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "grade_code", "reason_code"], name="return_rule_unique"),
            models.CheckConstraint(condition=Q(disposition__in=Disposition.values), name="return_rule_disposition_valid"),
        ]


class ReturnAuthorization(models.Model):
    """The RMA: a customer's return of units of one shipped order. Printed as `RMA:<number>`."""

    Status = RmaStatus
    LabelStatus = LabelStatus
    Resolution = Resolution

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(max_length=12, choices=RmaStatus.choices, default=RmaStatus.REQUESTED)
    resolution = models.CharField(max_length=16, choices=Resolution.choices)
    source = models.CharField(max_length=40, help_text="Customer service, merchant portal, REST API ...")
    created_by = models.CharField(max_length=150)
    customer_note = models.TextField(blank=True)
    label_status = models.CharField(max_length=10, choices=LabelStatus.choices, default=LabelStatus.NONE)
    label_reference = models.CharField(max_length=40, blank=True, help_text="Idempotency reference of the purchase in flight")
    label_error = models.CharField(max_length=500, blank=True)
    carrier = models.CharField(max_length=20, blank=True)
    service = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True, db_index=True)
    label_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    label_pdf = models.BinaryField(null=True, blank=True)
    label_zpl = models.TextField(blank=True)
    replacement_order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RmaStatus.values), name="rma_status_valid"),
            models.CheckConstraint(condition=Q(resolution__in=Resolution.values), name="rma_resolution_valid"),
            models.CheckConstraint(condition=Q(label_status__in=LabelStatus.values), name="rma_label_status_valid"),
        ]
        indexes = [models.Index(fields=["merchant", "status"]), models.Index(fields=["warehouse", "status"])]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"RMA:{self.number}"


def rma_number(pk: int) -> str:
    return f"R-{pk:06d}"


class ReturnLine(models.Model):
    """Units of one order line the customer sends back; an exchange names the SKU wanted instead."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    reason = models.ForeignKey(ReasonCode, on_delete=models.PROTECT, related_name="+")
    exchange_sku = models.CharField(max_length=64, blank=True)
    received_qty = models.PositiveIntegerField(default=0)
    graded_qty = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rma_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gte=1), name="return_line_qty_positive"),
            models.CheckConstraint(condition=Q(received_qty__lte=F("qty")), name="return_line_received_in_range"),
            models.CheckConstraint(condition=Q(graded_qty__lte=F("received_qty")), name="return_line_graded_in_range"),
            models.UniqueConstraint(fields=["rma", "order_line"], name="return_line_one_per_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.qty}"


class ReturnParcel(models.Model):
    """A parcel as it arrives on the returns bench. One that matches no RMA is kept, shelved in the parcel
    bin and queued until someone matches it."""

    Status = ParcelStatus

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    rma = models.ForeignKey(ReturnAuthorization, null=True, blank=True, on_delete=models.PROTECT, related_name="parcels")
    status = models.CharField(max_length=10, choices=ParcelStatus.choices)
    scanned = models.CharField(max_length=100, help_text="What was scanned on the parcel")
    carrier = models.CharField(max_length=20, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True, db_index=True)
    holding_bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    received_by = models.CharField(max_length=150)
    received_at = models.DateTimeField(auto_now_add=True)
    matched_by = models.CharField(max_length=150, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ParcelStatus.values), name="return_parcel_status_valid"),
            models.CheckConstraint(condition=Q(rma__isnull=False) | Q(status="unmatched"), name="return_parcel_matched_has_rma"),
        ]

    def __str__(self) -> str:
        return f"parcel {self.pk} ({self.scanned})"


class ReturnUnit(models.Model):
    """One unit taken out of a parcel: received into the returns bin as returned-pending, then graded and
    sent to its destination. A unit that matches no line of the RMA is a wrong item, recorded as such."""

    Status = UnitStatus

    parcel = models.ForeignKey(ReturnParcel, on_delete=models.PROTECT, related_name="units")
    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.PROTECT, related_name="units")
    line = models.ForeignKey(ReturnLine, null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(max_length=100, blank=True)
    wrong_item = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=UnitStatus.choices, default=UnitStatus.PENDING)
    intake_bin = models.ForeignKey(Bin, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    to_bin = models.ForeignKey(Bin, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.CharField(max_length=500, blank=True)
    received_by = models.CharField(max_length=150)
    received_at = models.DateTimeField(auto_now_add=True)
    graded_by = models.CharField(max_length=150, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=UnitStatus.values), name="return_unit_status_valid"),
            models.CheckConstraint(condition=Q(disposition="") | Q(disposition__in=Disposition.values),
                                   name="return_unit_disposition_valid"),
            models.CheckConstraint(condition=Q(status="pending") | (Q(grade__isnull=False) & ~Q(disposition="")),
                                   name="return_unit_graded_has_grade"),
            models.CheckConstraint(condition=Q(wrong_item=True) | Q(line__isnull=False), name="return_unit_line_or_wrong"),
        ]


class FlushBatch(models.Model):
    """Units to remove from stock, built by a manager or proposed by the daily job, approved by a second
    person (never the builder), then executed through the ledger with their cost value written off."""

    Status = FlushStatus

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=FlushStatus.choices, default=FlushStatus.DRAFT)
    reason = models.CharField(max_length=255)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    built_by_label = models.CharField(max_length=150)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.CharField(max_length=150, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    value_written_off = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=FlushStatus.values), name="flush_batch_status_valid"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | Q(built_by__isnull=True)
                                   | ~Q(approved_by=F("built_by")), name="flush_batch_second_person"),
        ]

    def __str__(self) -> str:
        return f"flush {self.pk} ({self.status})"


class FlushLine(models.Model):
    batch = models.ForeignKey(FlushBatch, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=20)
    qty = models.PositiveIntegerField()
    disposition = models.CharField(max_length=20, choices=Disposition.choices)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    value_written_off = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gte=1), name="flush_line_qty_positive"),
            models.CheckConstraint(condition=Q(disposition__in=["refurbish", "liquidate", "donate", "destroy",
                                                                "return_to_vendor"]), name="flush_line_disposition_valid"),
        ]


class ReturnIdempotencyKey(models.Model):
    """REST RMA creation: the same key and body return the same RMA; another body is refused."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="return_idempotency_unique_per_merchant")]


class ReturnEvent(models.Model):
    """The RMA's timeline: status changes, labels, parcels, grading, resolutions."""

    rma = models.ForeignKey(ReturnAuthorization, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    message = models.CharField(max_length=500)
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
