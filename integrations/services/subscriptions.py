"""Event subscriptions: a merchant's endpoint, the kinds it hears of, its signing secret.

URLs are checked as the column and the network allow: http or https only (no file:, ftp:, gopher: or other
scheme a fetcher might follow), a host, no credentials in the URL, at most 500 characters. Redirects are never
followed when delivering (see `delivery`), so an endpoint cannot bounce a delivery elsewhere."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from core.actors import actor_label
from core.audit import audit_record
from core.errors import DomainError
from core.models import AuditAction, EventKind
from integrations.models import EventSubscription
from inventory.models import Merchant

URL_MAX = 500
DESCRIPTION_MAX = 200


class SubscriptionRefused(DomainError):
    code = "subscription_refused"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise SubscriptionRefused("an endpoint URL is required", field="url")
    if len(url) > URL_MAX:
        raise SubscriptionRefused(f"the URL is longer than {URL_MAX} characters", field="url")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise SubscriptionRefused("the URL may not contain spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SubscriptionRefused("the URL is not valid", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise SubscriptionRefused("the URL must start with http:// or https://", field="url")
    if not parts.hostname:
        raise SubscriptionRefused("the URL needs a host", field="url")
    if parts.username or parts.password:
        raise SubscriptionRefused("put no credentials in the URL: deliveries are signed instead", field="url")
    if port == 0:
        raise SubscriptionRefused("the URL's port is not valid", field="url")
    return url


def check_kinds(kinds: Iterable[str] | None) -> list[str]:
    if isinstance(kinds, str | bytes) or kinds is None:
        raise SubscriptionRefused("name the event kinds as a list", field="kinds")
    chosen = []
    for kind in kinds:
        if not isinstance(kind, str) or kind not in EventKind.values:
            raise SubscriptionRefused(f"unknown event kind {str(kind)[:40]!r}; known: {', '.join(EventKind.values)}",
                                      field="kinds")
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise SubscriptionRefused("choose at least one event kind", field="kinds")
    return sorted(chosen, key=EventKind.values.index)


def check_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX or "\x00" in description:
        raise SubscriptionRefused(f"the description is at most {DESCRIPTION_MAX} characters of text",
                                  field="description")
    return description


@transaction.atomic
def subscription_create(*, merchant: Merchant, url: str, kinds: Iterable[str], actor, description: str = "",
                        ) -> EventSubscription:
    """A new active subscription with a fresh secret; it hears of events recorded from now on."""
    return EventSubscription.objects.create(
        merchant=merchant, url=check_url(url), kinds=check_kinds(kinds), description=check_description(description),
        secret=new_secret(), active=True, created_by=actor_label(actor)[:150],
    )


def _locked(subscription: EventSubscription) -> EventSubscription:
    return EventSubscription.objects.select_for_update(of=("self",), no_key=True).get(pk=subscription.pk)


@transaction.atomic
def subscription_update(*, subscription: EventSubscription, actor, url: str | None = None,
                        kinds: Iterable[str] | None = None, description: str | None = None,
                        active: bool | None = None) -> EventSubscription:
    """Change the endpoint, its kinds, its description or switch it on and off (a disabled endpoint gets no new
    deliveries; its pending ones wait until it is enabled again)."""
    subscription = _locked(subscription)
    if url is not None:
        subscription.url = check_url(url)
    if kinds is not None:
        subscription.kinds = check_kinds(kinds)
    if description is not None:
        subscription.description = check_description(description)
    if active is not None:
        if not isinstance(active, bool):
            raise SubscriptionRefused("active is true or false", field="active")
        subscription.active = active
    subscription.save()
    return subscription


@transaction.atomic
def subscription_rotate_secret(*, subscription: EventSubscription, actor) -> EventSubscription:
    """A new secret signs every delivery from now on (retries of earlier ones too); the old one stops at once."""
    subscription = _locked(subscription)
    subscription.secret = new_secret()
    subscription.secret_rotated_at = timezone.now()
    subscription.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
    audit_record(action=AuditAction.SECRET_ROTATED, actor=actor, obj=subscription, object_label=str(subscription)[:200],
                 merchant_id=subscription.merchant_id, details={"what": "event subscription secret"})
    return subscription
