"""Stock tables. Written only by inventory.services; see ARCHITECTURE.md for the invariants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.feed import CurrentTransactionId
from inventory.models.product import Product
from layout.models import Bin, Warehouse


class Condition(models.TextChoices):
    SELLABLE = "sellable", "Sellable"
    DAMAGED = "damaged", "Damaged"
    QUARANTINED = "quarantined", "Quarantined"
    RETURNED_PENDING = "returned_pending", "Returned, pending grading"


class BinStock(models.Model):
    """Units of one product in one bin, by condition and lot."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="bin_stock")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.SELLABLE)
    lot = models.CharField(max_length=40, blank=True, default="")
    expiry = models.DateField(null=True, blank=True)
    qty = models.IntegerField(default=0)
    is_flagged = models.BooleanField(default=False, help_text="Under an open discrepancy: not available, not picked")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(qty__gte=0), name="bin_stock_qty_not_negative"),
            models.CheckConstraint(condition=Q(condition__in=Condition.values), name="bin_stock_condition_valid"),
            models.UniqueConstraint(fields=["product", "bin", "condition", "lot"], name="bin_stock_one_row_per_lot"),
        ]
        indexes = [models.Index(fields=["product", "warehouse"]), models.Index(fields=["bin"])]

    def __str__(self) -> str:
        lot = f" lot {self.lot}" if self.lot else ""
        return f"{self.qty} x {self.product_id} in {self.bin_id} ({self.condition}{lot})"

    @property
    def counts_as_unavailable(self) -> bool:
        return self.is_flagged or self.condition != Condition.SELLABLE


class StockLevel(models.Model):
    """Per product x warehouse: on hand, allocated to orders, unavailable (damaged, quarantined, flagged)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    unavailable = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_level_one_per_product_warehouse"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_level_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_level_allocated_not_negative"),
            models.CheckConstraint(
                condition=Q(unavailable__gte=0, unavailable__lte=F("on_hand")), name="stock_level_unavailable_in_range"
            ),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated - self.unavailable

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand} on hand, {self.available} available"


class MovementKind(models.TextChoices):
    RECEIVE = "receive", "Receive"
    PUTAWAY = "putaway", "Putaway"
    MOVE = "move", "Move"
    PICK = "pick", "Pick"
    UNPICK = "unpick", "Return picked units to a bin"
    SHIP = "ship", "Ship"
    ADJUST = "adjust", "Adjust"
    CONDITION = "condition", "Change condition"
    RETURN = "return", "Customer return"
    FLUSH = "flush", "Flush"
    KIT_CONSUME = "kit_consume", "Consumed into a kit"
    KIT_PRODUCE = "kit_produce", "Kit assembled"
    TRANSFER_OUT = "transfer_out", "Transfer out (shipped to another warehouse)"
    TRANSFER_IN = "transfer_in", "Transfer in (received from another warehouse)"


class MovementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the stock ledger is append-only")

    def delete(self):
        raise TypeError("the stock ledger is append-only")


class Movement(models.Model):
    """Append-only ledger: one row per bin touched. A database trigger refuses UPDATE and DELETE."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="movements")
    qty = models.IntegerField(help_text="Signed: positive into the bin, negative out of it")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    condition = models.CharField(max_length=20, choices=Condition.choices)
    lot = models.CharField(max_length=40, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150, help_text="Who or what: the username, or the system job")
    reason = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="The causing document, e.g. po:12, order:7")
    operation = models.UUIDField(help_text="Rows written by one service call share it")
    bin_qty_after = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The writing transaction: the ERP feed's commit-safe order (core.feed).
    xact_id = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)

    objects = MovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(qty=0), name="movement_qty_not_zero"),
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="movement_kind_valid"),
        ]
        indexes = [models.Index(fields=["product", "warehouse", "created_at"]), models.Index(fields=["bin", "created_at"]),
                   models.Index(fields=["xact_id", "id"], name="movement_feed")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the stock ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the stock ledger is append-only")


# Reservations that are not for an order line (kit work orders, transfers) share the Reservation table, so the
# allocated counters and the drift check keep adding up, under negative keys: order lines have positive ids. The
# two kinds split the negative keys (kit lines even, transfer lines odd) so they can never meet on one row.
def kit_reservation_line_id(line_id: int) -> int:
    if line_id <= 0:
        raise ValueError("a kit work-order line id is positive")
    return -2 * line_id


def transfer_reservation_line_id(line_id: int) -> int:
    if line_id <= 0:
        raise ValueError("a transfer line id is positive")
    return -2 * line_id + 1


class Reservation(models.Model):
    """Units of a warehouse's stock promised to an order line.

    `qty` is still to pick; `picked_qty` is picked into a tote or at pack-out, not yet shipped.
    Both count as allocated. The order line is held by id: the IMS sits below the OMS and
    imports nothing of it.
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reservations")
    order_line_id = models.BigIntegerField(db_index=True)
    qty = models.IntegerField()
    picked_qty = models.IntegerField(default=0)
    shipped_qty = models.IntegerField(default=0)
    released_qty = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gte=0), name="reservation_qty_not_negative"),
            models.CheckConstraint(condition=Q(picked_qty__gte=0), name="reservation_picked_not_negative"),
            models.UniqueConstraint(fields=["order_line_id", "warehouse"], name="reservation_one_per_line_warehouse"),
        ]

    @property
    def allocated(self) -> int:
        return self.qty + self.picked_qty

    @property
    def is_open(self) -> bool:
        return self.allocated > 0

    def __str__(self) -> str:
        return f"line {self.order_line_id}: {self.qty} to pick, {self.picked_qty} picked @ {self.warehouse_id}"


class InTransitStock(models.Model):
    """Units shipped from one warehouse to another and not yet received: in neither building's on hand, so
    neither can sell them; shown as inbound at the destination. Written only by inventory.services."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="in_transit")
    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="in_transit_inbound")
    qty = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "from_warehouse", "to_warehouse"], name="in_transit_one_per_route"),
            models.CheckConstraint(condition=Q(qty__gte=0), name="in_transit_qty_not_negative"),
            models.CheckConstraint(condition=~Q(from_warehouse=F("to_warehouse")), name="in_transit_two_warehouses"),
        ]

    def __str__(self) -> str:
        return f"{self.qty} x {self.product_id} in transit {self.from_warehouse_id} -> {self.to_warehouse_id}"


class StockFlag(models.Model):
    """A product in a bin under an open discrepancy. Cleared flags stay as history."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="flags")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="flags")
    reason = models.CharField(max_length=255)
    reference = models.CharField(max_length=100, blank=True)
    flagged_by = models.CharField(max_length=150)
    flagged_at = models.DateTimeField(auto_now_add=True)
    cleared_by = models.CharField(max_length=150, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "bin"], condition=Q(cleared_at__isnull=True), name="stock_flag_one_open_per_bin"
            )
        ]
