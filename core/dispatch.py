"""Enqueue a Celery task once the caller's transaction commits, without ever turning a committed change
into an error.

The broker can be down when a transaction commits. The change is already durable, so the caller must
still answer success; the task is not lost because every state that waits on a task has a beat sweep
that finds it again. `Dispatch.sent` tells a caller that wants to say so (an operator's replay) whether
the task reached the broker or waits for the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass
class Dispatch:
    sent: bool = False
    error: str = ""


def enqueue_after_commit(task, *args, countdown: float | None = None,
                         on_broker_error: Callable[[], None] | None = None) -> Dispatch:
    """Send `task(*args)` after commit (at once outside a transaction). A broker error is logged, the
    optional `on_broker_error` runs (to mark the row due for its sweep), and the commit stands."""
    dispatch = Dispatch()
    transaction.on_commit(partial(_send, dispatch, task, args, countdown, on_broker_error), robust=True)
    return dispatch


def _send(dispatch: Dispatch, task, args: tuple, countdown: float | None, on_broker_error) -> None:
    try:
        task.apply_async(args, countdown=countdown)
    except Exception as exc:  # kombu raises OperationalError and friends: any failure here means "not queued"
        dispatch.error = f"{type(exc).__name__}: {str(exc)[:200]}"
        log.warning("could not queue %s%r (%s); its sweep will pick it up", task.name, args, dispatch.error)
        if on_broker_error is not None:
            on_broker_error()
        return
    dispatch.sent = True
