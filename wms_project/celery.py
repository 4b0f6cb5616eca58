import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_project.settings")

app = Celery("wms_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The composition root's own task (beat heartbeat for /healthz); wms_project is not an installed app.
app.conf.include = ["wms_project.tasks"]

# The beat schedule lives in code so every deployment runs the same jobs.
app.conf.beat_schedule = {
    "beat-heartbeat": {"task": "core.beat_heartbeat", "schedule": 30.0},
    "inventory-drift-check": {"task": "inventory.check_drift", "schedule": crontab(minute="*/15")},
    # Sweeps availability changes whose push could not be scheduled (broker down at the time).
    "inventory-availability-sweep": {"task": "inventory.push_availability", "schedule": 60.0},
    # Catch-up pull: a missed webhook (WooCommerce never retries) still becomes exactly one order.
    "orders-pull-storefronts": {"task": "orders.pull_all_channels", "schedule": crontab(minute="*/5")},
    # Storefront sync-back: delivers outbox messages that are due and have no task queued.
    "orders-outbox-sweep": {"task": "orders.sweep_outbox", "schedule": 60.0},
    # Carrier scans: delivered and exception states reach the order and the storefront.
    "shipping-poll-tracking": {"task": "shipping.poll_tracking", "schedule": crontab(minute="*/30")},
    "returns-propose-flush": {"task": "returns.propose_flush_batches", "schedule": crontab(hour=4, minute=15)},
    "returns-label-sweep": {"task": "returns.sweep_return_labels", "schedule": crontab(minute="*/10")},
}
