"""The audit log: who did what to which object, kept forever. Rows are only ever inserted (a database trigger
refuses UPDATE, DELETE and TRUNCATE of the table), by `core.audit.audit_record` in the transaction of the
action it records."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    STOCK_ADJUSTED = "stock_adjusted", "Stock adjusted"
    HOLD_PLACED = "hold_placed", "Hold placed"
    HOLD_RELEASED = "hold_released", "Hold released"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    FLUSH_APPROVED = "flush_approved", "Flush approved"
    FLUSH_CANCELLED = "flush_cancelled", "Flush cancelled"
    FLUSHED = "flushed", "Flush executed"
    ROLE_CHANGED = "role_changed", "Role changed"
    PERMISSIONS_CHANGED = "permissions_changed", "Permissions changed"
    SECRET_ROTATED = "secret_rotated", "Secret rotated"


class AuditEntry(models.Model):
    """One audited action. The object is named by type, id and label (not a foreign key), so the entry outlives
    it; the actor, merchant and warehouse are protected from deletion (deactivate a user instead)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    merchant = models.ForeignKey("inventory.Merchant", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    warehouse = models.ForeignKey("layout.Warehouse", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
            models.Index(fields=["action", "at"], name="core_audit_action_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="core_audit_action_valid"),
        ]


class EventKind(models.TextChoices):
    """What happened, as merchants' other systems (subscriptions) and 3PL billing hear of it."""

    ORDER_ALLOCATED = "order.allocated", "Order allocated"
    ORDER_RELEASED = "order.released", "Order released to the warehouse"
    ORDER_PICKED = "order.picked", "Order picked"
    ORDER_PACKED = "order.packed", "Order packed"
    ORDER_SHIPPED = "order.shipped", "Order shipped"
    ORDER_DELIVERED = "order.delivered", "Order delivered"
    ORDER_EXCEPTION = "order.exception", "Delivery exception"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    STOCK_CHANGED = "stock.changed", "Stock changed"
    RECEIPT_CLOSED = "receipt.closed", "Receipt closed"
    RETURN_RECEIVED = "return.received", "Return received"
    RETURN_GRADED = "return.graded", "Return graded"


class DomainEvent(models.Model):
    """One business fact, written by the service that made it happen in that service's transaction (so an event
    exists exactly when its change committed). Rows are never changed; consumers (outbound webhooks, billing)
    keep their own cursor or per-event rows. Events of one resource are written under that resource's lock, so
    their ids are their order."""

    kind = models.CharField(max_length=40, choices=EventKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    merchant = models.ForeignKey("inventory.Merchant", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey("layout.Warehouse", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    resource_type = models.CharField(max_length=40)  # "order", "product", "receipt", "return"
    resource_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["merchant", "id"], name="core_event_merchant_id"),
            models.Index(fields=["resource_type", "resource_id", "id"], name="core_event_resource"),
            models.Index(fields=["kind", "occurred_at"], name="core_event_kind_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="core_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.resource_type} {self.resource_id}"
