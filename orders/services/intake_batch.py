"""Intake in batches: the dispatcher hands a worker the deliveries that arrived together, and the worker takes
each one from webhook to released fulfillment order without going back to the queue in between.

Each delivery is still processed in its own transactions (claim, then upsert) and each new order allocated in
its own (the hot stock levels are locked only for one order's reservations), so one bad delivery or one failed
allocation touches nothing else in the batch. What the batch saves is the broker round trip and the wait in
the queue between processing and allocation: under a flash sale the allocation of the first order no longer
waits behind every delivery that arrived after it.

Nothing is lost when the worker dies mid-batch: its deliveries' leases run out and the inbox sweep queues
them again; orders already processed stay pending and the allocation sweep allocates them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from core.dispatch import enqueue_after_commit
from orders.services.allocation import order_allocate
from orders.services.inbox import PermanentInboxError, inbox_mark_failed, inbox_process
from orders.services.intake import allocations_collected

log = logging.getLogger(__name__)
RETRY_SECONDS = 2  # a delivery that failed in a batch is tried again alone: the single task's first retry


@dataclass
class BatchOutcome:
    outcomes: dict[int, str] = field(default_factory=dict)  # delivery id -> processed, stale, failed, parked...
    allocated: list[int] = field(default_factory=list)
    allocation_failed: list[int] = field(default_factory=list)


def deliveries_process(*, delivery_ids: list[int]) -> BatchOutcome:
    """Process each delivery in arrival order and allocate the order it leaves pending right after, before
    the next delivery: the first order of a burst is released first."""
    result = BatchOutcome()
    with allocations_collected() as pending:
        for delivery_id in delivery_ids:
            result.outcomes[delivery_id] = _process(delivery_id)
            while pending:
                _allocate(pending.pop(0), result)
    return result


def _process(delivery_id: int) -> str:
    from orders.tasks import process_delivery

    try:
        return inbox_process(delivery_id=delivery_id)
    except PermanentInboxError as exc:
        inbox_mark_failed(delivery_id=delivery_id, error=str(exc), park=True)
        return "parked"
    except Exception as exc:  # one delivery's failure never holds up the rest of the batch
        log.exception("intake batch: delivery %s failed; retried alone", delivery_id)
        parked = inbox_mark_failed(delivery_id=delivery_id, error=f"{type(exc).__name__}: {exc}",
                                   park=False, retry_in=RETRY_SECONDS)
        if not parked:  # the batch's run was the first try: the single task goes on from its first retry
            try:
                process_delivery.apply_async((delivery_id,), countdown=RETRY_SECONDS, retries=1)
            except Exception:  # broker down: the delivery is failed and due, the inbox sweep queues it
                log.warning("intake batch: could not queue delivery %s again; the sweep will", delivery_id)
        return "parked" if parked else "failed"


def _allocate(order_id: int, result: BatchOutcome) -> None:
    from orders.tasks import allocate_order

    try:
        order_allocate(order_id=order_id)
        result.allocated.append(order_id)
    except Exception:  # the order stays pending; its own task retries it with backoff (and the sweep after)
        log.exception("intake batch: order %s could not be allocated; queued alone", order_id)
        result.allocation_failed.append(order_id)
        enqueue_after_commit(allocate_order, order_id, countdown=RETRY_SECONDS)
