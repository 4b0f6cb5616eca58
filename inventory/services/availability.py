"""Available-to-sell change marks: how the IMS tells whoever sells its stock that a number moved.

A StockOperation that changes what can be sold marks its (product, warehouse) in AvailabilityChange inside
its own transaction. The mark is per warehouse because the operation already holds that warehouse's
StockLevel lock: the row adds no wait and no lock-order edge, so stock operations on one SKU in two
warehouses never wait on each other. (A single row per product did: it serialized every warehouse of a SKU
and closed a deadlock cycle with the level locks.) Being written with the change, a mark is never lost
between a commit and a task.

The IMS does not know who reads the marks. Readers take them with `availability_changes_take` inside their
own transaction. After commit the IMS nudges the tasks the composition root names in
settings.AVAILABILITY_CHANGE_TASKS, at most one nudge waiting at a time so a burst of changes is read in a
few passes; a beat entry runs the same tasks as the sweep for nudges lost to a broker outage.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.models import AvailabilityChange

log = logging.getLogger(__name__)
NUDGED_KEY = "wms:availability:readers-nudged"
COALESCE_SECONDS = 1.0


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def availability_mark(*, product_id: int, warehouse_id: int) -> None:
    """Inside the stock transaction that holds this (product, warehouse)'s level lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("availability_mark must run inside the stock transaction")
    AvailabilityChange.objects.bulk_create(
        [AvailabilityChange(product_id=product_id, warehouse_id=warehouse_id, changed_at=timezone.now())],
        update_conflicts=True, unique_fields=["product", "warehouse"], update_fields=["changed_at"],
    )
    transaction.on_commit(availability_readers_nudge, robust=True)


def availability_readers_nudge() -> None:
    """Queue each reader task once, a moment from now; more changes meanwhile ride on the same run."""
    from celery import current_app

    tasks = list(getattr(settings, "AVAILABILITY_CHANGE_TASKS", ()))
    if not tasks:
        return
    try:
        if _redis(settings.REDIS_URL).set(NUDGED_KEY, "1", nx=True, ex=30):
            for name in tasks:
                current_app.send_task(name, countdown=COALESCE_SECONDS)
    except Exception:  # broker down: the marks are committed and the beat sweep reads them later
        log.warning("could not nudge the availability readers; the periodic sweep will read the marks", exc_info=True)


def availability_nudge_clear() -> None:
    """Called by a reader as it starts: changes from now on nudge the next run."""
    try:
        _redis(settings.REDIS_URL).delete(NUDGED_KEY)
    except Exception:
        log.warning("could not clear the availability nudge flag", exc_info=True)


def availability_changes_take(*, batch: int = 500) -> list[int]:
    """Take (lock and delete) up to `batch` of the oldest marks in the caller's transaction; returns the
    distinct product ids. If the caller's transaction rolls back, the marks are back for the next reader.
    Marks locked by another reader are skipped, never waited for."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("availability_changes_take must run inside the reader's transaction")
    taken = list(
        AvailabilityChange.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
        .order_by("changed_at", "pk").values_list("pk", "product_id")[:batch]
    )
    AvailabilityChange.objects.filter(pk__in=[pk for pk, _ in taken]).delete()
    return sorted({product_id for _, product_id in taken})
