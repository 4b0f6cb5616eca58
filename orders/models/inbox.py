from __future__ import annotations

from django.db import models

from orders.models.channel import Channel


class InboxDelivery(models.Model):
    """A verified storefront delivery (or pulled order), stored raw before any processing.

    `dedup_key` identifies the event: Shopify's event id, WooCommerce's order id + modification
    time, BigCommerce's hash. A second delivery of the same event is not stored again.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, waiting for processing"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (nothing to do)"
        FAILED = "failed", "Failed, will retry"
        PARKED = "parked", "Parked for an operator"

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        PULL = "pull", "Catch-up pull"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="deliveries")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEBHOOK)
    dedup_key = models.CharField(max_length=255)
    topic = models.CharField(max_length=64)
    external_order_id = models.CharField(max_length=64, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    triggered_at = models.DateTimeField(null=True, blank=True)
    suspicious = models.CharField(max_length=255, blank=True, help_text="Why this delivery looks off, if it does")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    # When the inbox sweep queues the delivery again if it is still waiting (received or failed) or still
    # held by a processing run (its lease). Null means due at once.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    duplicates = models.PositiveIntegerField(default=0, help_text="Further deliveries of the same event")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedup_key"], name="inbox_one_row_per_event"),
            models.CheckConstraint(condition=models.Q(status__in=["received", "processing", "processed", "ignored", "failed", "parked"]), name="inbox_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["status", "next_attempt_at"], name="inbox_waiting_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.topic}:{self.dedup_key}"
