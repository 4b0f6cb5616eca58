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
