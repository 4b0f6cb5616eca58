from celery import shared_task

from warehouse.outbound.services.pack_close import pack_closes_sweep


@shared_task(name="warehouse.sweep_pack_closes", ignore_result=True, acks_late=True)
def sweep_pack_closes() -> dict[str, int]:
    return pack_closes_sweep()
