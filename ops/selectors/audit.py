"""The audit log as operations reads it: newest first, narrowed by the page's filters and the reader's staff
scope (a user limited to some merchants or warehouses sees only entries tied to them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import AuditEntry
from inventory.tenancy import staff_scoped


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    object: str = ""
    object_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    merchant: str = ""  # merchant code
    warehouse: str = ""  # warehouse code


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(*, user, filters: AuditFilters) -> QuerySet[AuditEntry]:
    rows = staff_scoped(AuditEntry.objects.all(), user, merchant="merchant_id", warehouse="warehouse_id")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.actor:
        rows = rows.filter(actor_label__icontains=filters.actor)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.object:
        rows = rows.filter(Q(object_label__icontains=filters.object) | Q(object_id=filters.object))
    if filters.date_from:
        rows = rows.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.merchant:
        rows = rows.filter(merchant__code=filters.merchant)
    if filters.warehouse:
        rows = rows.filter(warehouse__code=filters.warehouse)
    return rows.select_related("merchant", "warehouse").order_by("-at", "-id")


def audit_object_types() -> list[str]:
    return list(AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
