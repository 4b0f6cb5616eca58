from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orders.models.channel import Channel
from orders.models.order import Order


class OutboxKind(models.TextChoices):
    ALLOCATED = "allocated", "Allocated"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Delivery exception or return to sender"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded (a return)"
    # The answers of a fulfillment service (Shopify fulfillment orders assigned to the warehouse).
    FULFILLMENT_ACCEPTED = "fulfillment_accepted", "Fulfillment request accepted"
    FULFILLMENT_REJECTED = "fulfillment_rejected", "Fulfillment request rejected"
    CANCEL_ACCEPTED = "cancel_accepted", "Cancellation request accepted"
    CANCEL_REJECTED = "cancel_rejected", "Cancellation request refused"


class OutboxMessage(models.Model):
    """A customer-visible change the storefront must be told about, written in the same transaction
    as the change and delivered later by Celery.

    `sequence` numbers an order's messages 1, 2, 3...: a message is delivered only once every earlier
    one of its order was sent, so the storefront sees an order's updates in the order they happened.
    `lease_token` / `leased_until` mark a delivery in flight (claimed, committed, network call running):
    nobody else claims it until the lease runs out, and only the holder of the token records the result.
    """

    Kind = OutboxKind

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, parked for an operator"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="outbox")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="outbox")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=24, choices=OutboxKind.choices)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    result = models.CharField(max_length=500, blank=True, help_text="What the storefront was told")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="outbox_one_sequence_per_order"),
            models.CheckConstraint(condition=Q(kind__in=OutboxKind.values), name="outbox_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]), name="outbox_status_valid"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="outbox_sequence_positive"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due"),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.sequence} {self.kind} ({self.status})"
