from celery import shared_task

from inventory.services.drift import drift_check


@shared_task(name="inventory.check_drift", ignore_result=True)
def check_drift() -> int:
    return len(drift_check())
