from celery import shared_task

from shipping.services.shipments import shipment_voids_sweep
from shipping.services.tracking import tracking_poll


@shared_task(name="shipping.poll_tracking", ignore_result=True)
def poll_tracking() -> dict[str, int]:
    return tracking_poll()


@shared_task(name="shipping.sweep_voids", ignore_result=True, acks_late=True)
def sweep_voids() -> dict[str, int]:
    return shipment_voids_sweep()
