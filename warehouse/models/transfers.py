"""Transfers between two warehouses of one merchant: picked and shipped at the source, in transit, received
at the destination. Stock is owned per merchant, so every line is the transfer's merchant's product."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from inventory.models.tenancy import MerchantScopedQuerySet, staff_scope_q
from layout.models import Bin, Warehouse


class TransferStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RELEASED = "released", "Released"
    PICKING = "picking", "Picking"
    SHIPPED = "shipped", "Shipped (in transit)"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


class TransferOrderQuerySet(MerchantScopedQuerySet):
    def within_staff_scope(self, user) -> TransferOrderQuerySet:
        # A transfer touches two buildings: a staff user limited to warehouses must hold both.
        return self.filter(
            staff_scope_q(user, merchant="merchant_id", warehouse="from_warehouse_id"),
            staff_scope_q(user, warehouse="to_warehouse_id"),
        )


class TransferOrder(models.Model):
    Status = TransferStatus

    number = models.CharField(max_length=20, unique=True)
    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="transfers")
    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_out")
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    staging_bin = models.ForeignKey(
        Bin, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Where the source's picks wait for shipping (a pack station or dock bin)",
    )
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=255, blank=True)
    discrepancy_note = models.CharField(max_length=255, blank=True, help_text="Why a short receipt was closed")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = TransferOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TransferStatus.values), name="transfer_status_valid"),
            models.CheckConstraint(condition=~Q(from_warehouse=F("to_warehouse")), name="transfer_two_warehouses"),
            models.CheckConstraint(condition=~Q(number=""), name="transfer_number_not_blank"),
        ]
        indexes = [models.Index(fields=["to_warehouse", "status"]), models.Index(fields=["from_warehouse", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def barcode(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (TransferStatus.RECEIVED, TransferStatus.CANCELLED)


class TransferLine(models.Model):
    transfer = models.ForeignKey(TransferOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    picked_qty = models.PositiveIntegerField(default=0)
    shipped_qty = models.PositiveIntegerField(default=0)
    received_qty = models.PositiveIntegerField(default=0)
    lost_qty = models.PositiveIntegerField(default=0, help_text="Shipped, never received: written off at close")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "product"], name="transfer_line_unique_product"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="transfer_line_qty_positive"),
            models.CheckConstraint(condition=Q(picked_qty__lte=F("qty")), name="transfer_line_not_over_picked"),
            models.CheckConstraint(condition=Q(shipped_qty__lte=F("qty")), name="transfer_line_not_over_shipped"),
            models.CheckConstraint(
                condition=Q(received_qty__lte=F("shipped_qty") - F("lost_qty")), name="transfer_line_not_over_received"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer.number} {self.product.sku}"

    @property
    def in_transit(self) -> int:
        return self.shipped_qty - self.received_qty - self.lost_qty

    @property
    def to_pick(self) -> int:
        return self.qty - self.picked_qty


class TransferParcel(models.Model):
    """A parcel of a transfer labelled at the source's transfer label station: its label is a `shipping.Shipment`
    (a transfer parcel, addressed to the destination). The transfer is labelled while a parcel of it is live
    (awaiting its label, labelled, being voided); voided or given up, it is back to picked."""

    transfer = models.ForeignKey(TransferOrder, on_delete=models.PROTECT, related_name="parcels")
    shipment = models.OneToOneField("shipping.Shipment", on_delete=models.PROTECT, related_name="transfer_parcel")
    number = models.PositiveSmallIntegerField(help_text="1, 2, ... within the labelling")
    carton_type = models.ForeignKey("warehouse.CartonType", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["transfer_id", "id"]
