from celery import shared_task

from wms_project.health import record_beat


@shared_task(name="core.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    record_beat()
