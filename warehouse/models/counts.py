"""Count tasks: someone counts one product in one bin, blind, and the ledger is corrected to the count.

A task is raised three ways (`source`): by the schedule (the product's velocity class says it is due), by a
discrepancy (a recount), or by a manager (a bin, a SKU's bins, a zone). The counter claims it at the count
station, scans the bin, scans each unit and finishes; the quantity the system holds is never shown. A
variance within the warehouse's tolerance (`CountPolicy`) is posted at once; a larger one waits in REVIEW
for a manager other than the counter, who approves (posted to the ledger) or rejects it (a recount is raised).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from layout.models import Bin, Warehouse

ACTIVE_COUNT_STATUSES = ("open", "counting", "review")


class CountTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "To count"
        COUNTING = "counting", "Being counted"
        REVIEW = "review", "Awaiting approval"
        DONE = "done", "Counted"
        REJECTED = "rejected", "Rejected (recounted)"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        DISCREPANCY = "discrepancy", "Discrepancy"
        MANAGER = "manager", "Manager request"

    class VelocityClass(models.TextChoices):
        A = "A", "A (fast)"
        B = "B", "B"
        C = "C", "C (slow)"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="count_tasks")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    discrepancy = models.ForeignKey("warehouse.Discrepancy", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="count_tasks")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.DISCREPANCY)
    velocity_class = models.CharField(max_length=1, choices=VelocityClass.choices, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    recount_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="recounts")
    # The station's progress: who holds the task, whether the bin was scanned, the units scanned so far.
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    bin_confirmed = models.BooleanField(default=False)
    tally = models.PositiveIntegerField(default=0)
    pending_qty = models.PositiveIntegerField(null=True, blank=True, help_text="Typed quantity for the next item scan")
    system_qty = models.IntegerField(null=True, blank=True, help_text="What the system held when counted")
    counted_qty = models.IntegerField(null=True, blank=True)
    ledger_mark = models.BigIntegerField(null=True, blank=True,
                                         help_text="The newest ledger row of this product here when counted")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["warehouse", "status"], name="count_task_queue"),
            models.Index(fields=["warehouse", "counted_at"], name="count_task_counted"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(counted_qty__gte=0), name="count_task_counted_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "counting", "review", "done", "rejected", "cancelled"]),
                name="count_task_status_valid"),
            models.CheckConstraint(condition=models.Q(source__in=["scheduled", "discrepancy", "manager"]),
                                   name="count_task_source_valid"),
            models.CheckConstraint(condition=models.Q(velocity_class__in=["", "A", "B", "C"]),
                                   name="count_task_velocity_class_valid"),
            # One count of a product in a bin at a time: the schedule, a discrepancy and a manager never
            # send two counters to the same shelf for the same thing.
            models.UniqueConstraint(fields=["product", "bin"], condition=models.Q(status__in=ACTIVE_COUNT_STATUSES),
                                    name="count_task_one_active_per_product_bin"),
        ]

    def __str__(self) -> str:
        return f"C-{self.pk}"

    @property
    def variance(self) -> int | None:
        if self.counted_qty is None or self.system_qty is None:
            return None
        return self.counted_qty - self.system_qty


class CountPolicy(models.Model):
    """How a warehouse counts: velocity classes from picks over a trailing window, how often each class is
    counted, and the variance a count may post without a manager's approval. A warehouse without a row
    uses the defaults."""

    warehouse = models.OneToOneField(Warehouse, on_delete=models.CASCADE, related_name="count_policy")
    window_days = models.PositiveIntegerField(default=90, validators=[MinValueValidator(1)],
                                              help_text="Picks over this many days rank the products")
    a_share_pct = models.PositiveIntegerField(default=80, validators=[MinValueValidator(1), MaxValueValidator(100)],
                                              help_text="Products making the first N% of picks are class A")
    b_share_pct = models.PositiveIntegerField(default=95, validators=[MinValueValidator(1), MaxValueValidator(100)],
                                              help_text="... the next ones up to N% are class B; the rest C")
    a_every_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    b_every_days = models.PositiveIntegerField(default=91, validators=[MinValueValidator(1)])
    c_every_days = models.PositiveIntegerField(default=182, validators=[MinValueValidator(1)])
    max_per_day = models.PositiveIntegerField(default=200, help_text="Scheduled counts raised per day at most")
    tolerance_units = models.PositiveIntegerField(null=True, blank=True, default=2,
                                                  help_text="A variance of at most this many units posts directly")
    tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                        help_text="... and of at most this % of the expected quantity")

    class Meta:
        verbose_name_plural = "count policies"
        constraints = [
            models.CheckConstraint(condition=models.Q(a_share_pct__lte=models.F("b_share_pct")),
                                   name="count_policy_a_share_within_b"),
            models.CheckConstraint(condition=models.Q(tolerance_pct__gte=0) | models.Q(tolerance_pct__isnull=True),
                                   name="count_policy_tolerance_pct_not_negative"),
        ]

    def every_days(self, velocity_class: str) -> int:
        return {"A": self.a_every_days, "B": self.b_every_days}.get(velocity_class, self.c_every_days)

    def within_tolerance(self, *, expected: int, counted: int) -> bool:
        """Every limit that is set must hold; with none set only an exact count posts directly."""
        variance = abs(counted - expected)
        if variance == 0:
            return True
        if self.tolerance_units is None and self.tolerance_pct is None:
            return False
        if self.tolerance_units is not None and variance > self.tolerance_units:
            return False
        return self.tolerance_pct is None or Decimal(variance) * 100 <= self.tolerance_pct * max(expected, 0)
