from celery import shared_task

from inventory.services.availability import availability_push_pending
from inventory.services.drift import drift_check


@shared_task(name="inventory.check_drift", ignore_result=True)
def check_drift() -> int:
    return len(drift_check())


@shared_task(
    name="inventory.push_availability", bind=True, ignore_result=True, max_retries=8,
    autoretry_for=(Exception,), retry_backoff=2, retry_backoff_max=300, retry_jitter=True,
)
def push_availability(self) -> int:
    return availability_push_pending()
