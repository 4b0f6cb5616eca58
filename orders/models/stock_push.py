from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models import Product
from orders.models.channel import Channel


class StockPush(models.Model):
    """The available-to-sell of one product that one storefront is owed: an outbox message coalesced per
    (channel, product). However many changes arrive, there is one row; the delivery reads the quantity
    when it runs, so it always sends the latest.

    `generation` counts the changes seen. A delivery remembers the generation it claimed; if a change
    arrived while it was talking to the storefront, it leaves the row pending and sends again.
    `lease_token` / `leased_until` mark a delivery in flight, as on OutboxMessage. A row parked after too
    many failures is woken by the next change of its product, or by an operator from the outbox page.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, parked for an operator"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="stock_pushes")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    generation = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    sent_qty = models.IntegerField(null=True, blank=True, help_text="The available-to-sell last accepted")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["channel_id", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "product"], name="stock_push_one_per_channel_product"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]), name="stock_push_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="stock_push_pending_due"),
            models.Index(fields=["status", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.product_id} ({self.status})"
