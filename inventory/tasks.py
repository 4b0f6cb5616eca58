from celery import shared_task

from inventory.services.drift import drift_check
from inventory.services.expiry import stock_expired_block


@shared_task(name="inventory.check_drift", ignore_result=True)
def check_drift() -> int:
    return len(drift_check())


@shared_task(name="inventory.block_expired", ignore_result=True, acks_late=True)
def block_expired() -> dict[str, int]:
    return stock_expired_block()
