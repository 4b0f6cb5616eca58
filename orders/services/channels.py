"""Channel secrets: rotation with a grace period during which the previous secret still verifies deliveries."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from core.actors import Actor, actor_label
from core.audit import audit_record
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction
from core.roles import ADMIN, roles_of
from inventory.tenancy import actor_in_scope
from orders.models import Channel
from orders.models.channel import new_webhook_secret
from orders.selectors import forget_webhook_channel

log = logging.getLogger("orders.channels")

MAX_GRACE_HOURS = 24 * 14
MIN_SECRET_LENGTH = 16


def channel_secret_rotate(
    *, channel: Channel, new_secret: str | None = None, grace_hours: float = 24, actor: Actor,
) -> Channel:
    """Make `new_secret` (a generated one when None) the channel's webhook secret; the secret it replaces keeps
    verifying deliveries for `grace_hours` (0 revokes it at once). Only the admin role (or a system job) may
    rotate. The secrets themselves are never logged: only who rotated which channel and until when."""
    if actor is not None and not isinstance(actor, str) and ADMIN not in roles_of(actor):
        raise PermissionDenied("only an admin may rotate a channel's webhook secret")
    if not actor_in_scope(actor, merchant_id=channel.merchant_id):
        raise PermissionDenied("this channel's merchant is outside your scope")
    secret = new_webhook_secret() if new_secret is None else new_secret.strip()
    if len(secret) < MIN_SECRET_LENGTH or len(secret) > 255 or any(ord(c) < 32 or ord(c) == 127 for c in secret):
        raise DomainError(f"a webhook secret must be {MIN_SECRET_LENGTH} to 255 printable characters")
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise DomainError(f"the grace period must be between 0 and {MAX_GRACE_HOURS} hours")
    with transaction.atomic():
        # The only row this transaction locks; no key change, so intake inserting deliveries and orders that
        # reference the channel (FOR KEY SHARE) is not held up by a rotation.
        locked = Channel.objects.select_for_update(of=("self",), no_key=True).get(pk=channel.pk)
        if secret == locked.webhook_secret:
            raise DomainError("the new webhook secret must differ from the current one")
        expires_at = timezone.now() + dt.timedelta(hours=grace_hours)
        locked.previous_webhook_secret = locked.webhook_secret if grace_hours > 0 else ""
        locked.previous_secret_expires_at = expires_at if grace_hours > 0 else None
        locked.webhook_secret = secret
        locked.save(update_fields=["webhook_secret", "previous_webhook_secret", "previous_secret_expires_at"])
        # Who rotated which channel's secret and how long the old one lives: never the secrets themselves.
        audit_record(action=AuditAction.SECRET_ROTATED, actor=actor, obj=locked, object_label=locked.name,
                     merchant_id=locked.merchant_id, details={
                         "secret": "webhook", "grace_hours": grace_hours,
                         "previous_valid_until": locked.previous_secret_expires_at})
    forget_webhook_channel(locked.pk)
    log.info("webhook secret rotated: channel=%s by=%s previous valid until %s", locked.pk, actor_label(actor),
             locked.previous_secret_expires_at.isoformat() if locked.previous_secret_expires_at else "now")
    channel.webhook_secret = locked.webhook_secret
    channel.previous_webhook_secret = locked.previous_webhook_secret
    channel.previous_secret_expires_at = locked.previous_secret_expires_at
    return locked
