from celery import shared_task

from orders.services.allocation import order_allocate
from orders.services.inbox import PermanentInboxError, inbox_mark_failed, inbox_process

MAX_PROCESSING_RETRIES = 5


@shared_task(name="orders.allocate_order", ignore_result=True, autoretry_for=(Exception,), retry_backoff=2, max_retries=5)
def allocate_order(order_id: int) -> None:
    order_allocate(order_id=order_id)


@shared_task(name="orders.process_delivery", bind=True, ignore_result=True, max_retries=MAX_PROCESSING_RETRIES)
def process_delivery(self, delivery_id: int) -> str | None:
    try:
        return inbox_process(delivery_id=delivery_id)
    except PermanentInboxError as exc:
        inbox_mark_failed(delivery_id=delivery_id, error=str(exc), park=True)
    except Exception as exc:
        last = self.request.retries >= self.max_retries
        inbox_mark_failed(delivery_id=delivery_id, error=f"{type(exc).__name__}: {exc}", park=last)
        if not last:
            raise self.retry(exc=exc, countdown=min(2 ** (self.request.retries + 1), 600)) from exc
    return None


@shared_task(name="orders.pull_all_channels", ignore_result=True)
def pull_all_channels() -> int:
    from orders.services.pull import pullable_channel_ids

    ids = pullable_channel_ids()
    for channel_id in ids:
        pull_channel.delay(channel_id)
    return len(ids)


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


@shared_task(name="orders.sweep_fulfillment_cancels", ignore_result=True)
def sweep_fulfillment_cancels() -> int:
    """Cancel requests the warehouse has not answered within two minutes are queued again."""
    import datetime as dt

    from orders.services.cancellation import fulfillment_cancels_enqueue_stuck

    return fulfillment_cancels_enqueue_stuck(older_than=dt.timedelta(minutes=2))
