"""Alerts for the people who act on them: one row per thing noticed, addressed to roles or to one user."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    SLA_RISK = "sla_risk", "Order at risk of missing its ship-by"
    DRIFT = "drift", "Stock drift found"
    PARKED_INBOX = "parked_inbox", "Storefront delivery parked"
    PARKED_OUTBOX = "parked_outbox", "Storefront update parked"
    DISCREPANCY_AGEING = "discrepancy_ageing", "Discrepancy left open"
    CAPACITY = "capacity", "Facility over its capacity threshold"


class Notification(models.Model):
    Kind = NotificationKind

    kind = models.CharField(max_length=24, choices=Kind.choices)
    # What was noticed, e.g. "sla_risk:fo:42": the same thing is announced once, however often the job runs.
    key = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="Where to act on it")
    warehouse = models.ForeignKey("layout.Warehouse", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    roles = ArrayField(models.CharField(max_length=32), default=list, blank=True, help_text="Roles it is addressed to")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+", help_text="One person it is addressed to, besides the roles")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationRead(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "user"], name="notification_read_once")]


# Daily rollups --------------------------------------------------------------------------------------------------
# Closed days of history, summed once by `ops.services.rollups.refresh_rollups` so the dashboards read a few
# hundred rows instead of every shipped order and pick line of the window. A day is a calendar day in the time
# zone the dashboard windows use (`ops.selectors.windows`). Only the days listed in RollupDay are read from the
# rollups; the rest of a window (the open day, the part of the first day inside it, any day not rolled up) is
# read live, so a figure is the same either way.


class RollupDay(models.Model):
    """A closed day whose rollup rows are complete (every table below was written for it in one transaction)."""

    day = models.DateField(primary_key=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]


class ShippingDay(models.Model):
    """Fulfillment orders shipped on a day from one facility for one merchant."""

    day = models.DateField()
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.CASCADE, related_name="+")
    shipped = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField(help_text="Shipped by the ship-by, or with none set")
    # Order placed (or taken in) to shipped, in microseconds, one per fulfillment order: percentiles over any
    # set of days stay exact. A day holds a few thousand at most.
    took_us = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "warehouse", "merchant"], name="shipping_day_once")]


class PickingDay(models.Model):
    """Pick lines worked to an end (picked or failed) in sessions completed on a day, per facility and merchant."""

    day = models.DateField()
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.CASCADE, related_name="+")
    lines = models.PositiveIntegerField()
    failures = models.PositiveIntegerField(help_text="Lines with a failed quantity")
    picked = models.PositiveIntegerField(help_text="Lines picked (not failed)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "warehouse", "merchant"], name="picking_day_once")]


class PickerDay(models.Model):
    """One picker's day in one facility: sessions done (claimed and completed), time spent in them, lines picked."""

    day = models.DateField()
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.CASCADE, related_name="+")
    picker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sessions = models.PositiveIntegerField()
    spent_us = models.BigIntegerField(help_text="Claim to completion over the sessions done, microseconds")
    lines = models.PositiveIntegerField(help_text="Lines picked in claimed sessions completed that day")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "warehouse", "picker"], name="picker_day_once")]


class PackMismatchDay(models.Model):
    """Items refused at pack-out as not in the order, per day and per person scanning (a scan names no facility:
    the dashboards attribute a person's scans to the facilities they pack in)."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    mismatches = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="pack_mismatch_day_once",
                                               nulls_distinct=False)]


class StockVolume(models.Model):
    """What a facility's bins held when the rollup job last ran: the capacity dashboard's volume figures (a sum
    over every bin-stock row and its product's dimensions) read from here while fresh (see
    ops.selectors.capacity.SNAPSHOT_MAX_AGE)."""

    warehouse = models.OneToOneField("layout.Warehouse", primary_key=True, on_delete=models.CASCADE, related_name="+")
    units = models.BigIntegerField()
    volume_mm3 = models.DecimalField(max_digits=30, decimal_places=0)
    capped_units = models.BigIntegerField(help_text="Units in bins with a capacity")
    zones = models.JSONField(default=dict, blank=True,
                             help_text="Per zone id: units, units in bins with a capacity, bins holding stock")
    taken_at = models.DateTimeField()


# End of day ------------------------------------------------------------------------------------------------------


class DayCloseStatus(models.TextChoices):
    RUNNING = "running", "Closing"
    DONE = "done", "Closed"
    FAILED = "failed", "Failed (runs again)"


class DayClose(models.Model):
    """A warehouse's end-of-day close-out for one local date: run once (by beat after the cut-off, or by a manager
    before it), with its report. `ops.services.day_close` owns the status (`ops.state.DAY_CLOSE`)."""

    Status = DayCloseStatus

    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(help_text="The warehouse's local date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The manager who ran it by hand; empty for the beat job")
    report = models.JSONField(default=dict, blank=True)
    problem = models.CharField(max_length=500, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "day"], name="day_close_once"),
            models.CheckConstraint(condition=Q(status__in=DayCloseStatus.values), name="day_close_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id} {self.day}"
