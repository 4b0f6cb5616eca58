from celery import shared_task

from shipping.services.tracking import tracking_poll


@shared_task(name="shipping.poll_tracking", ignore_result=True)
def poll_tracking() -> dict[str, int]:
    return tracking_poll()
