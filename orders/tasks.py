from celery import shared_task

from orders.services.allocation import order_allocate
from orders.services.inbox import PermanentInboxError, inbox_mark_failed, inbox_process

MAX_PROCESSING_RETRIES = 5


# Tasks that change state are acknowledged after they finish (acks_late) and given back to the queue when
# their worker dies (reject_on_worker_lost): each is idempotent, and its sweep covers a message lost anyway.
@shared_task(name="orders.allocate_order", ignore_result=True, autoretry_for=(Exception,), retry_backoff=2, max_retries=5,
             acks_late=True, reject_on_worker_lost=True)
def allocate_order(order_id: int) -> None:
    order_allocate(order_id=order_id)


@shared_task(name="orders.process_delivery", bind=True, ignore_result=True, max_retries=MAX_PROCESSING_RETRIES,
             acks_late=True, reject_on_worker_lost=True)
def process_delivery(self, delivery_id: int) -> str | None:
    try:
        return inbox_process(delivery_id=delivery_id)
    except PermanentInboxError as exc:
        inbox_mark_failed(delivery_id=delivery_id, error=str(exc), park=True)
    except Exception as exc:
        countdown = min(2 ** (self.request.retries + 1), 600)
        parked = inbox_mark_failed(delivery_id=delivery_id, error=f"{type(exc).__name__}: {exc}",
                                   park=self.request.retries >= self.max_retries, retry_in=countdown)
        if not parked:
            raise self.retry(exc=exc, countdown=countdown) from exc
    return None


@shared_task(name="orders.process_deliveries", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def process_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """A dispatcher batch: each delivery processed and its order allocated, one after the other."""
    from orders.services.intake_batch import deliveries_process

    result = deliveries_process(delivery_ids=[int(pk) for pk in delivery_ids])
    return {"deliveries": len(result.outcomes), "allocated": len(result.allocated),
            "allocation_failed": len(result.allocation_failed)}  # the worker logs it with the task's success


@shared_task(name="orders.sweep_inbox", ignore_result=True)
def sweep_inbox() -> int:
    """Queues again the deliveries still waiting after their task should have run."""
    from orders.services.inbox import inbox_requeue_due

    return len(inbox_requeue_due())


@shared_task(name="orders.sweep_pending_orders", ignore_result=True)
def sweep_pending_orders() -> int:
    """Allocates pending orders whose allocation task never ran."""
    from orders.services.allocation_sweep import pending_orders_allocate

    return pending_orders_allocate()


@shared_task(name="orders.pull_all_channels", ignore_result=True)
def pull_all_channels() -> int:
    from orders.selectors import pullable_channel_ids

    ids = pullable_channel_ids()
    for channel_id in ids:
        pull_channel.delay(channel_id)
    return len(ids)


@shared_task(name="orders.poll_fulfillment_service", ignore_result=True)
def poll_fulfillment_service() -> int:
    from orders.services.fulfillment_service import fulfillment_service_poll

    return len(fulfillment_service_poll())


@shared_task(name="orders.pull_channel", ignore_result=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
def pull_channel(channel_id: int) -> int:
    from orders.services.pull import channel_pull

    return channel_pull(channel_id=channel_id)


@shared_task(name="orders.deliver_outbox", ignore_result=True, acks_late=True)
def deliver_outbox(message_id: int) -> str:
    """Safe to run twice: the claim and lease let one run at a time, and a sent message is skipped.
    Failures are retried by the service itself (backoff recorded on the row), not by Celery."""
    from orders.services.outbox import outbox_deliver

    return outbox_deliver(message_id=message_id)


@shared_task(name="orders.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Sends what is due but has no task queued: broker down at commit, a lost task, an expired lease."""
    from orders.selectors import outbox_due_ids

    ids = outbox_due_ids()
    for message_id in ids:
        deliver_outbox.delay(message_id)
    return len(ids)


@shared_task(name="orders.sync_stock_changes", ignore_result=True, acks_late=True)
def sync_stock_changes() -> int:
    """Reads the IMS's available-to-sell change marks into per-channel stock pushes and backorder fills.
    Queued by the IMS shortly after a change (settings.AVAILABILITY_CHANGE_TASKS) and run by beat as the sweep."""
    from orders.services.stock_push import stock_changes_sync

    return len(stock_changes_sync())


@shared_task(name="orders.deliver_stock_push", ignore_result=True, acks_late=True)
def deliver_stock_push(push_id: int) -> str:
    """Safe to run twice: the claim and lease let one run at a time. Failures are retried by the service."""
    from orders.services.stock_push import stock_push_deliver

    return stock_push_deliver(push_id=push_id)


@shared_task(name="orders.sweep_stock_pushes", ignore_result=True)
def sweep_stock_pushes() -> int:
    """Sends stock pushes that are due but have no task queued: broker down at commit, a lost task, an expired lease."""
    from orders.selectors import stock_push_due_ids

    ids = stock_push_due_ids()
    for push_id in ids:
        deliver_stock_push.delay(push_id)
    return len(ids)


@shared_task(name="orders.fill_backorders", ignore_result=True, acks_late=True, autoretry_for=(Exception,),
             retry_backoff=2, max_retries=5)
def fill_backorders(product_ids: list[int]) -> int:
    """Stock of these products changed: try the orders waiting for them."""
    from orders.services.allocation import backorders_allocate

    return backorders_allocate(product_ids=product_ids)


@shared_task(name="orders.sweep_backorders", ignore_result=True)
def sweep_backorders() -> int:
    """Backorders whose products have stock to sell but whose fill never ran (broker down, task lost)."""
    from orders.selectors import backordered_product_ids_in_stock
    from orders.services.allocation import backorders_allocate

    product_ids = backordered_product_ids_in_stock()
    return backorders_allocate(product_ids=product_ids) if product_ids else 0
@shared_task(name="orders.sweep_fulfillment_cancels", ignore_result=True)
def sweep_fulfillment_cancels() -> int:
    """Cancel requests the warehouse has not answered within two minutes are queued again."""
    import datetime as dt

    from orders.services.cancellation import fulfillment_cancels_enqueue_stuck

    return fulfillment_cancels_enqueue_stuck(older_than=dt.timedelta(minutes=2))
