"""Outbound event webhooks: a merchant subscribes an endpoint to kinds of domain events; each matching event
becomes one delivery per subscription, POSTed signed, retried with backoff, parked after too many failures and
replayable. Deliveries of one resource reach an endpoint in the order of their events."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import DomainEvent
from inventory.models import Merchant, MerchantScopedQuerySet


class EventSubscription(models.Model):
    """An endpoint of the merchant's that hears about the kinds of events it names."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=500)
    kinds = models.JSONField(default=list, help_text="Event kinds delivered here (core.models.EventKind values)")
    secret = models.CharField(max_length=64, help_text="Signs every delivery (HMAC-SHA256)")
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedQuerySet.as_manager()
    warehouse_scope = ""  # a merchant's endpoint serves all its warehouses

    class Meta:
        ordering = ["merchant_id", "id"]
        indexes = [models.Index(fields=["merchant", "active"], name="integ_sub_merchant_active")]

    def __str__(self) -> str:
        return f"S-{self.pk} {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    PARKED = "parked", "Parked after repeated failures"


class EventDelivery(models.Model):
    """One event for one subscription. `resource_key` is the event's resource ("order:17"): a delivery waits
    while an earlier one of the same subscription and resource is not delivered. `lease_token`/`leased_until`
    mark a POST in flight (claimed and committed before the call); only the lease holder records the result."""

    Status = DeliveryStatus

    subscription = models.ForeignKey(EventSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(DomainEvent, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    resource_key = models.CharField(max_length=105)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The endpoint's last HTTP status")
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantScopedQuerySet.as_manager()
    warehouse_scope = ""

    class Meta:
        ordering = ["-event_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="integ_delivery_once"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="integ_delivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="integ_delivery_due"),
            models.Index(fields=["subscription", "resource_key", "event"], name="integ_delivery_resource"),
            models.Index(fields=["merchant", "status", "event"], name="integ_delivery_merchant"),
        ]

    def __str__(self) -> str:
        return f"D-{self.pk} {self.kind} ({self.status})"


class EventCursor(models.Model):
    """How far the fan-out has read core.DomainEvent: every event up to `last_event_id` has its deliveries."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
