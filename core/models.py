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
