from celery import shared_task
from django.db import OperationalError

from shipping.exceptions import CarrierError
from warehouse.control.services.count_plans import count_schedules_due_all
from warehouse.outbound.services.cancellation import CancelNotReady, fulfillment_cancel
from warehouse.outbound.services.pack_close import pack_closes_sweep
from warehouse.outbound.services.replenishment import replenishment_sweep


@shared_task(name="warehouse.sweep_pack_closes", ignore_result=True, acks_late=True)
def sweep_pack_closes() -> dict[str, int]:
    return pack_closes_sweep()


# Retried on a carrier outage, a deadlock victim or labels still being bought; the beat sweep
# (orders.sweep_fulfillment_cancels) queues it again after that, and running twice is harmless.
@shared_task(name="warehouse.fulfillment_cancel", ignore_result=True, acks_late=True,
             autoretry_for=(CarrierError, OperationalError, CancelNotReady), retry_backoff=2, max_retries=6)
def fulfillment_cancel_task(fulfillment_id: int) -> str:
    return fulfillment_cancel(fulfillment_id=fulfillment_id, actor="warehouse")


# Daily: the counts each product's velocity class makes due; a pair with a count waiting is skipped, so a
# second run the same day raises nothing new.
@shared_task(name="warehouse.schedule_counts", ignore_result=True, acks_late=True)
def schedule_counts() -> dict[str, int]:
    return count_schedules_due_all()


@shared_task(name="warehouse.sweep_replenishment", ignore_result=True, acks_late=True)
def sweep_replenishment() -> dict[str, int]:
    return replenishment_sweep()
