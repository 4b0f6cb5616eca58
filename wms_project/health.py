"""Liveness of the parts the system needs: database, Redis, Celery workers, beat."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connections

BEAT_KEY = "wms:beat:last"
BEAT_STALE_AFTER = 120  # seconds; beat writes every 30


def check_database(alias: str = "default") -> dict:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": _short(exc)}


def check_redis(url: str | None = None) -> dict:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": _short(exc)}


def check_workers(timeout: float = 1.0) -> dict:
    """A real ping through the broker: only running workers answer."""
    from wms_project.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            connection.ensure_connection(max_retries=1)
            replies = app.control.ping(timeout=timeout, connection=connection) or []
    except Exception as exc:
        return {"ok": False, "error": _short(exc)}
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return {"ok": False, "error": "no Celery worker answered the ping"}
    return {"ok": True, "workers": names}


def check_beat(url: str | None = None) -> dict:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        last = client.get(BEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": _short(exc)}
    if last is None:
        return {"ok": False, "error": "beat has not run yet"}
    age = time.time() - float(last)
    return {"ok": age < BEAT_STALE_AFTER, "seconds_since_last": round(age, 1)}


def record_beat() -> None:
    redis.Redis.from_url(settings.REDIS_URL).set(BEAT_KEY, time.time(), ex=3600)


def check_waiting_work() -> dict:
    """Work waiting on a task (deliveries, pending orders) and the age of the oldest. Queueing lag is normal;
    only work older than WMS_STUCK_AFTER_SECONDS is called stuck, which means the sweeps are not running or
    cannot finish it (parked deliveries are an operator's, on the inbox page, and do not count)."""
    from orders.selectors import waiting_work_summary

    try:
        summary = waiting_work_summary()
    except Exception as exc:
        return {"ok": False, "error": _short(exc)}
    limit = settings.WMS_STUCK_AFTER_SECONDS
    stuck = [name for name, age in (("deliveries", summary["oldest_waiting_delivery_seconds"]),
                                    ("orders", summary["oldest_pending_order_seconds"])) if age > limit]
    return {"ok": not stuck, "stuck": stuck, "stuck_after_seconds": limit, **summary}


def system_health() -> tuple[bool, dict]:
    """Database, Redis and workers decide the status; beat and waiting work are reported, not required
    (a web process that can take webhooks must stay in rotation while work is late)."""
    parts = {"database": check_database(), "redis": check_redis()}
    parts["celery"] = check_workers() if parts["redis"]["ok"] else {"ok": False, "error": "broker unreachable"}
    parts["beat"] = check_beat() if parts["redis"]["ok"] else {"ok": False, "error": "broker unreachable"}
    parts["work"] = check_waiting_work() if parts["database"]["ok"] else {"ok": False, "error": "database unreachable"}
    healthy = all(parts[name]["ok"] for name in ("database", "redis", "celery"))
    return healthy, parts


def readiness() -> tuple[bool, dict]:
    """May this web process take traffic: its database and broker answer. Workers are not asked: a worker
    outage delays work, it does not make the web unable to accept it."""
    parts = {"database": check_database(), "redis": check_redis()}
    return all(part["ok"] for part in parts.values()), parts


def worker_health() -> tuple[bool, dict]:
    """The background side, reported on its own: workers answering the ping, beat, and work waiting too long."""
    redis_ok = check_redis()["ok"]
    parts = {
        "celery": check_workers() if redis_ok else {"ok": False, "error": "broker unreachable"},
        "beat": check_beat() if redis_ok else {"ok": False, "error": "broker unreachable"},
        "work": check_waiting_work(),
    }
    return parts["celery"]["ok"], parts


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"
