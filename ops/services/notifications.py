"""Raising, reading and mailing notifications. Each thing noticed is announced once: its key is unique."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import roles as role_names
from ops.models import Notification, NotificationRead


@dataclass(frozen=True)
class Alert:
    """One thing noticed, before it becomes a notification."""

    kind: str
    key: str
    title: str
    body: str = ""
    url: str = ""
    roles: tuple[str, ...] = ()
    warehouse_id: int | None = None
    recipient_id: int | None = None
    extra: dict = field(default_factory=dict)


def notifications_raise(*, alerts: Iterable[Alert]) -> list[Notification]:
    """Store the alerts not announced before (by key); return the new notifications. Safe to run twice and
    concurrently: a key already stored, or stored meanwhile by another run, is skipped."""
    alerts = list({alert.key: alert for alert in alerts}.values())
    if not alerts:
        return []
    for alert in alerts:
        unknown = set(alert.roles) - set(role_names.ALL_ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")
    with transaction.atomic():
        seen = set(Notification.objects.filter(key__in=[a.key for a in alerts]).values_list("key", flat=True))
        fresh = [Notification(kind=a.kind, key=a.key, title=a.title[:200], body=a.body, url=a.url[:300],
                              roles=list(a.roles), warehouse_id=a.warehouse_id, recipient_id=a.recipient_id)
                 for a in alerts if a.key not in seen]
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        keys = [n.key for n in fresh]
    # ignore_conflicts leaves no primary keys: read back what this run created (a concurrent run's rows
    # may be among them; announcing them once is still true, as emailed_at guards the mail).
    return list(Notification.objects.filter(key__in=keys).order_by("pk"))


def notification_mark_read(*, notification: Notification, user) -> None:
    NotificationRead.objects.get_or_create(notification=notification, user=user)


def notifications_mark_all_read(*, user, notifications) -> int:
    rows = [NotificationRead(notification_id=pk, user=user) for pk in notifications.values_list("pk", flat=True)]
    NotificationRead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _recipients(notification: Notification, users_by_role: dict[str, list]) -> dict[str, str]:
    emails: dict[str, str] = {}
    for role in notification.roles:
        for _username, email in users_by_role.get(role, []):
            emails[email.lower()] = email
    if notification.recipient_id and notification.recipient and notification.recipient.email:
        emails[notification.recipient.email.lower()] = notification.recipient.email
    return emails


def notifications_email_pending(*, since: dt.timedelta = dt.timedelta(days=1), limit: int = 200) -> int:
    """Mail the notifications not mailed yet to their recipients with an email address, when mail is configured
    (settings.OPS_ALERT_EMAIL). Runs outside any transaction; a failed send is tried again on the next run."""
    if not getattr(settings, "OPS_ALERT_EMAIL", False):
        return 0
    pending = list(Notification.objects.filter(emailed_at__isnull=True, created_at__gte=timezone.now() - since)
                   .select_related("recipient").order_by("pk")[:limit])
    if not pending:
        return 0
    wanted = {role for n in pending for role in n.roles}
    users_by_role: dict[str, list] = {}
    users = (get_user_model().objects.filter(is_active=True).exclude(email="")
             .filter(Q(groups__name__in=wanted)).values_list("groups__name", "username", "email"))
    for role, username, email in users:
        users_by_role.setdefault(role, []).append((username, email))
    sent = 0
    for notification in pending:
        emails = sorted(_recipients(notification, users_by_role).values())
        if emails:
            body = notification.body + (f"\n\n{settings.OPS_ALERT_BASE_URL}{notification.url}" if notification.url else "")
            send_mail(subject=f"[WMS] {notification.title}", message=body, from_email=None, recipient_list=emails)
            sent += 1
        Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return sent
