"""3PL billing: what the warehouse did for a merchant (billable events), what it charges for it (rate cards), and
what it bills for a month (invoices whose lines name the events they sum).

Money is Decimal everywhere: rates to four places, amounts to cents. A billable event is written once per source
(a domain event and the charge it gives rise to, a storage snapshot and its charge, a special project), so the
recording jobs may run as often as they like."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from inventory.models.tenancy import MerchantScopedQuerySet


class ChargeKind(models.TextChoices):
    ORDER_SHIPPED = "order_shipped", "Orders shipped"
    PICK_FIRST_UNIT = "pick_first_unit", "Units picked (first unit of an order)"
    PICK_ADDITIONAL_UNIT = "pick_additional_unit", "Units picked (additional units)"
    CARTON_PACKED = "carton_packed", "Cartons packed"
    RECEIPT_CARTON = "receipt_carton", "Receipt cartons"
    RECEIPT_UNIT = "receipt_unit", "Receipt units"
    STORAGE_BIN_DAY = "storage_bin_day", "Storage (bin-days)"
    STORAGE_CUBIC_FOOT_DAY = "storage_cubic_foot_day", "Storage (cubic-foot-days)"
    RETURN_GRADED = "return_graded", "Returns graded (units)"
    SPECIAL_PROJECT = "special_project", "Special projects"
    MINIMUM = "minimum", "Minimum monthly charge (top-up)"


# Charges that a rate card prices per unit (special projects carry their own price; the minimum is the card's).
RATED_KINDS = [kind for kind in ChargeKind.values if kind not in (ChargeKind.SPECIAL_PROJECT, ChargeKind.MINIMUM)]


class RateCard(models.Model):
    """What one merchant pays, for whole months from `effective_from` (the first of a month) to `effective_to`
    (the last day of a month, or open)."""

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    minimum_monthly = models.DecimalField(max_digits=12, decimal_places=2, default=0,
                                          validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = MerchantScopedQuerySet.as_manager()
    warehouse_scope = ""  # a merchant's terms, not a facility's

    class Meta:
        ordering = ["merchant_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "effective_from"], name="rate_card_one_per_start"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="rate_card_dates_ordered"),
            models.CheckConstraint(condition=Q(minimum_monthly__gte=0), name="rate_card_minimum_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="rate_card_currency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} from {self.effective_from}"


class Rate(models.Model):
    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rates")
    kind = models.CharField(max_length=32, choices=ChargeKind.choices)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["card_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["card", "kind"], name="rate_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=RATED_KINDS), name="rate_kind_rated"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="rate_price_not_negative"),
        ]


class EventCursor(models.Model):
    """How far the event sweep has read `core.DomainEvent` for good (see billing.services.recording)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    swept_at = models.DateTimeField(null=True, blank=True)


class StorageSnapshot(models.Model):
    """What a merchant occupied in one warehouse on one day: bins holding its stock and their cubic feet."""

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    bins = models.PositiveIntegerField()
    units = models.BigIntegerField()
    cubic_feet = models.DecimalField(max_digits=16, decimal_places=3)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "merchant_id", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "warehouse", "day"], name="storage_snapshot_once_a_day"),
        ]


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class Invoice(models.Model):
    """A merchant's bill for one calendar month. A draft is recomputed from the month's events as often as asked;
    an issued invoice never changes."""

    Status = InvoiceStatus

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    number = models.CharField(max_length=40, unique=True)
    rate_card = models.ForeignKey(RateCard, on_delete=models.PROTECT, related_name="invoices")
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    computed_at = models.DateTimeField()
    computed_by = models.CharField(max_length=150, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    objects = MerchantScopedQuerySet.as_manager()
    warehouse_scope = ""

    class Meta:
        ordering = ["-period_start", "merchant_id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "period_start"], name="invoice_one_per_month"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="invoice_period_ordered"),
            models.CheckConstraint(condition=Q(status="draft") | Q(issued_at__isnull=False), name="invoice_issued_stamped"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    """One charge kind on an invoice: the quantity of its events times the card's rate (special projects: the sum
    of their own prices; the minimum: the top-up to the card's monthly minimum)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=32, choices=ChargeKind.choices)
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    events = models.PositiveIntegerField(default=0, help_text="Billable events summed on this line")

    class Meta:
        ordering = ["invoice_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="invoice_line_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values), name="invoice_line_kind_valid"),
        ]

    @property
    def label(self) -> str:
        return ChargeKind(self.kind).label


class BillableEventQuerySet(MerchantScopedQuerySet["BillableEvent"]):
    pass


class BillableEvent(models.Model):
    """One chargeable fact: a quantity of one charge kind for a merchant on a day, and where it came from (a
    domain event, a storage snapshot, or a special project entered by staff)."""

    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey("layout.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=ChargeKind.choices)
    day = models.DateField(help_text="The day it happened, in the product's time zone: the month it is billed in")
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    reference = models.CharField(max_length=120, blank=True, help_text="Order number, receipt, resource")
    source_event = models.ForeignKey("core.DomainEvent", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    snapshot = models.ForeignKey(StorageSnapshot, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="charges")
    # Special projects: what was done, its own price, who entered it.
    description = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    invoice_line = models.ForeignKey(InvoiceLine, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="billable_events")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = BillableEventQuerySet.as_manager()

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["merchant", "day"], name="billable_merchant_day")]
        constraints = [
            models.UniqueConstraint(fields=["source_event", "kind"], condition=Q(source_event__isnull=False),
                                    name="billable_once_per_event_kind"),
            models.UniqueConstraint(fields=["snapshot", "kind"], condition=Q(snapshot__isnull=False),
                                    name="billable_once_per_snapshot_kind"),
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values) & ~Q(kind=ChargeKind.MINIMUM),
                                   name="billable_kind_valid"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="billable_quantity_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind=ChargeKind.SPECIAL_PROJECT) | (Q(unit_price__isnull=False) & Q(unit_price__gte=0)
                                                                 & ~Q(description="")),
                name="billable_project_priced"),
        ]
