"""Backlog over time, sampled every second beside the traffic: the Celery queue's length in the broker (Redis),
the inbox deliveries not yet processed, and the fulfillment orders released so far."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

QUEUE = "celery"  # the default queue every task of the product is sent to


@dataclass
class Sample:
    at: float
    queue: int | None
    inbox_waiting: int
    released: int


@dataclass
class Monitor:
    channel_id: int
    interval: float = 1.0
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simulate-monitor", daemon=True)

    def start(self) -> Monitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def sample(self) -> Sample:
        from orders.models import FulfillmentOrder, InboxDelivery

        waiting = InboxDelivery.objects.filter(channel_id=self.channel_id).exclude(
            status__in=[InboxDelivery.Status.PROCESSED, InboxDelivery.Status.IGNORED]).count()
        released = FulfillmentOrder.objects.filter(order__channel_id=self.channel_id, released_at__isnull=False).count()
        return Sample(time.time(), _queue_length(), waiting, released)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.is_set():
                began = time.monotonic()
                self.samples.append(self.sample())
                self._stop.wait(max(0.0, self.interval - (time.monotonic() - began)))
        finally:
            connection.close()


_CLIENT = None


def _queue_length() -> int | None:
    """Messages waiting in the default queue, when the broker is Redis (None for another broker)."""
    global _CLIENT
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if url.startswith("redis+socket://"):  # kombu's spelling of the embedded Redis socket
        url = "unix://" + url.removeprefix("redis+socket://")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    if _CLIENT is None:
        import redis

        _CLIENT = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return int(_CLIENT.llen(QUEUE))
    except Exception:
        return None
