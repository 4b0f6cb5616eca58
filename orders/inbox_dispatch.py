"""The inbox dispatcher: queues processing for deliveries the moment they are stored, off the request path.

A web request stores a delivery in one statement that also sends NOTIFY with its id at commit. One thread in
a Celery worker LISTENs (one per database: the holder of an advisory lock; the others stand by and take over
when it goes) and queues the notified deliveries in batches. Nothing depends on it: a delivery stored while
no dispatcher listens, or whose task the broker refused, is due at once and the inbox sweep queues it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from celery import bootsteps

log = logging.getLogger(__name__)
LOCK_KEY = 0x77_6D_73_01  # pg advisory lock: which worker dispatches for this database
BATCH_WAIT_SECONDS = 0.05  # gather the ids that arrive together into one batch
STANDBY_RETRY_SECONDS = 2.0


def lock_key() -> int:
    """One dispatcher per database and broker: a worker serving another broker (a second deployment sharing the
    database, a test system with its own Redis) listens for itself instead of standing by behind one that would
    queue the work where its workers never look."""
    from django.conf import settings

    digest = hashlib.sha256(f"{LOCK_KEY}:{settings.CELERY_BROKER_URL}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _conninfo() -> str:
    from django.db import connections

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**{k: v for k, v in params.items() if v not in (None, "")})


RUNNING: set[Dispatcher] = set()


def dispatchers_stop_all() -> None:
    """Stop every dispatcher this process started (a worker run inside another process, as tests do, may end
    without its steps being stopped; a dispatcher left listening would keep taking new deliveries)."""
    for dispatcher in list(RUNNING):
        dispatcher.stop()


class Dispatcher:
    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="inbox-dispatcher", daemon=True)

    def start(self) -> None:
        RUNNING.add(self)
        self.thread.start()

    def stop(self) -> None:
        RUNNING.discard(self)
        self.stopping.set()
        self.thread.join(5)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.listen()
            except Exception:
                log.exception("inbox dispatcher lost its connection; reconnecting")
                self.stopping.wait(STANDBY_RETRY_SECONDS)

    def listen(self) -> None:
        import psycopg

        from orders.services.inbox import NEW_DELIVERY_CHANNEL

        with psycopg.connect(_conninfo(), autocommit=True) as conn:
            while not self.stopping.is_set():
                locked = conn.execute("SELECT pg_try_advisory_lock(%s)", [lock_key()]).fetchone()
                if locked and locked[0]:
                    break
                self.stopping.wait(STANDBY_RETRY_SECONDS)
            else:
                return
            conn.execute(f"LISTEN {NEW_DELIVERY_CHANNEL}")
            while not self.stopping.is_set():
                ids = [int(note.payload) for note in conn.notifies(timeout=1.0, stop_after=1)]
                if not ids:
                    continue
                deadline = time.monotonic() + BATCH_WAIT_SECONDS
                while (left := deadline - time.monotonic()) > 0:
                    ids.extend(int(note.payload) for note in conn.notifies(timeout=left))
                self.dispatch(ids)

    def dispatch(self, ids: list[int]) -> None:
        from django.db import close_old_connections

        from orders.services.inbox import inbox_dispatch_new

        close_old_connections()
        try:
            inbox_dispatch_new(delivery_ids=ids)
        except Exception:
            log.exception("inbox dispatcher could not queue %s delivery(ies); the sweep will", len(ids))


class InboxDispatchStep(bootsteps.StartStopStep):
    """Runs the dispatcher thread inside a Celery worker's main process."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.dispatcher: Dispatcher | None = None

    def start(self, worker):
        self.dispatcher = Dispatcher()
        self.dispatcher.start()

    def stop(self, worker):
        if self.dispatcher is not None:
            self.dispatcher.stop()
            self.dispatcher = None
