from __future__ import annotations

from django.db import models
from django.db.models import Q

from orders.models.channel import Channel
from orders.models.order import Order


class FulfillmentRequestDecision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class CancellationDecision(models.TextChoices):
    NONE = "", "Not asked"
    ACCEPTED = "accepted", "Cancellation accepted"
    REJECTED = "rejected", "Cancellation refused"


class StorefrontFulfillmentRequest(models.Model):
    """A storefront fulfillment order assigned to the warehouse as the shop's fulfillment service (Shopify's
    FulfillmentOrder at our location), the order it became through the normal intake, and what we answered to
    its fulfillment request and, later, to a cancellation request. The answers reach the storefront through
    the order's outbox; this row is what makes asking twice harmless."""

    Decision = FulfillmentRequestDecision
    Cancellation = CancellationDecision

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="fulfillment_requests")
    fulfillment_order_ref = models.CharField(max_length=255, help_text="The storefront's fulfillment order id")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fulfillment_requests")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.CharField(max_length=500, blank=True)
    cancellation = models.CharField(max_length=8, choices=Cancellation.choices, blank=True, default="")
    cancellation_reason = models.CharField(max_length=500, blank=True)
    held_on_storefront = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "fulfillment_order_ref"], name="fulfillment_request_once"),
            models.CheckConstraint(condition=Q(decision__in=FulfillmentRequestDecision.values),
                                   name="fulfillment_request_decision_valid"),
            models.CheckConstraint(condition=Q(cancellation__in=CancellationDecision.values),
                                   name="fulfillment_request_cancellation_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.fulfillment_order_ref} ({self.decision})"
