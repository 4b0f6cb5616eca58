from celery import shared_task

from integrations.services.delivery import delivery_attempt, events_sweep


@shared_task(name="integrations.sweep_events", ignore_result=True)
def sweep_events() -> dict[str, int]:
    """New domain events become deliveries; deliveries that are due and first in line are queued."""
    return events_sweep()


# Idempotent (a lease guards each attempt), so acknowledged late and given back when a worker dies.
@shared_task(name="integrations.deliver_event", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_event(delivery_id: int) -> str:
    return delivery_attempt(delivery_id=delivery_id)
