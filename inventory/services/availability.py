"""Available-to-sell pushes to storefronts, coalesced per product.

Stock services mark a product in AvailabilityChange (one row however many changes) and schedule a
push after commit. The push reads the current available-to-sell when it runs, so the last value sent
is the final one. The IMS does not know channels: the OMS registers a pusher at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.models import AvailabilityChange, Product

log = logging.getLogger(__name__)
SCHEDULED_KEY = "wms:availability:push-scheduled"
COALESCE_SECONDS = 1.0

# Called with (product, available_to_sell) after each coalesced change.
Pusher = Callable[[Product, int], None]
_pushers: list[Pusher] = []


def register_availability_pusher(pusher: Pusher) -> None:
    if pusher not in _pushers:
        _pushers.append(pusher)


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def schedule_push() -> None:
    """At most one push task waiting at a time; a burst of changes becomes a few pushes."""
    from inventory.tasks import push_availability

    try:
        first = _redis(settings.REDIS_URL).set(SCHEDULED_KEY, "1", nx=True, ex=30)
        if first:
            push_availability.apply_async(countdown=COALESCE_SECONDS)
    except Exception:  # broker down: the periodic sweep delivers the marked changes later
        log.warning("could not schedule an availability push; the periodic sweep will", exc_info=True)


def availability_push_pending(*, batch: int = 500) -> int:
    """Push the current available-to-sell of every marked product; returns how many were pushed."""
    from inventory.selectors import available_to_sell

    try:
        _redis(settings.REDIS_URL).delete(SCHEDULED_KEY)
    except Exception:
        log.warning("could not clear the push schedule flag", exc_info=True)
    pushed = 0
    started = timezone.now()
    while True:
        # Only changes marked before this run: later ones belong to the next (scheduled) push,
        # so a product changing non-stop is pushed about once per coalescing window, not in a loop.
        with transaction.atomic():
            claimed = list(
                AvailabilityChange.objects.select_for_update(skip_locked=True)
                .filter(changed_at__lte=started)
                .order_by("changed_at")[:batch]
            )
            AvailabilityChange.objects.filter(pk__in=[c.pk for c in claimed]).delete()
        if not claimed:
            if AvailabilityChange.objects.exists():
                schedule_push()
            return pushed
        products = Product.objects.in_bulk([c.product_id for c in claimed])
        for change in claimed:
            product = products[change.product_id]
            ats = available_to_sell(product)
            try:
                for pusher in _pushers:  # network calls: no transaction, no locks held
                    pusher(product, ats)
            except Exception:
                AvailabilityChange.objects.get_or_create(product=product, defaults={"changed_at": change.changed_at})
                raise
            pushed += 1
