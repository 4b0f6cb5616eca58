"""Which notifications a user sees: those addressed to one of their roles, or to them (admins see all)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.roles import ADMIN, roles_of
from inventory.models.tenancy import staff_scope_q
from ops.models import Notification, NotificationRead


def notifications_for(user) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    roles = roles_of(user)
    rows = Notification.objects.all()
    if ADMIN not in roles:
        rows = rows.filter(Q(recipient=user) | Q(roles__overlap=sorted(roles)))
    # A notice about one warehouse reaches only staff whose scope includes it (one about none reaches everyone).
    rows = rows.filter(Q(warehouse__isnull=True) | staff_scope_q(user, warehouse="warehouse_id"))
    read = NotificationRead.objects.filter(notification=OuterRef("pk"), user=user)
    return rows.annotate(is_read=Exists(read)).select_related("warehouse")


def unread_count(user) -> int:
    return notifications_for(user).filter(is_read=False).count()  # type: ignore[misc]
