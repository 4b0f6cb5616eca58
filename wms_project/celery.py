import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_project.settings")

app = Celery("wms_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The composition root's own task (beat heartbeat for /healthz); wms_project is not an installed app.
app.conf.include = ["wms_project.tasks"]


@worker_init.connect
def _warm_postal_codes(**_) -> None:
    """Routing's ZIP table (~42,000 codes) is read once in the worker's main process, before it forks its
    pool: the first allocation of each pool process then does not wait 1-3 s for it."""
    from shipping.zip_codes import lookup

    lookup("10001")


# Every worker can dispatch newly stored webhook deliveries (one at a time per database; see orders.inbox_dispatch).
app.steps["worker"].add("orders.inbox_dispatch.InboxDispatchStep")

# Sweep interval from the environment (settings.WMS_SWEEP_INTERVAL_SECONDS reads the same variable; settings
# cannot be imported here, they import this module through the package).
SWEEP_SECONDS = float(os.environ.get("WMS_SWEEP_INTERVAL_SECONDS") or 60)

# The beat schedule lives in code so every deployment runs the same jobs.
app.conf.beat_schedule = {
    "beat-heartbeat": {"task": "core.beat_heartbeat", "schedule": 30.0},
    "inventory-drift-check": {"task": "inventory.check_drift", "schedule": crontab(minute="*/15")},
    # Reads the IMS's available-to-sell change marks whose nudge was lost (broker down at the time) into
    # per-channel stock pushes and backorder fills.
    "orders-stock-changes-sweep": {"task": "orders.sync_stock_changes", "schedule": 30.0},
    # Channel stock pushes that are due but have no task queued.
    "orders-stock-push-sweep": {"task": "orders.sweep_stock_pushes", "schedule": 60.0},
    # Backorders whose products have stock but whose fill task never ran.
    "orders-backorder-sweep": {"task": "orders.sweep_backorders", "schedule": crontab(minute="*/5")},
    # Catch-up pull: a missed webhook (WooCommerce never retries) still becomes exactly one order.
    "orders-pull-storefronts": {"task": "orders.pull_all_channels", "schedule": crontab(minute="*/5")},
    # Fulfillment service: fulfillment orders assigned to the warehouse whose callback ping never arrived.
    "orders-fulfillment-service-poll": {"task": "orders.poll_fulfillment_service", "schedule": crontab(minute="*/5")},
    # Storefront sync-back: delivers outbox messages that are due and have no task queued.
    "orders-outbox-sweep": {"task": "orders.sweep_outbox", "schedule": 60.0},
    # Cancellation saga: fulfillment orders left waiting in cancel_requested get the warehouse's task again.
    "orders-fulfillment-cancel-sweep": {"task": "orders.sweep_fulfillment_cancels", "schedule": 60.0},
    # Carrier scans: delivered and exception states reach the order and the storefront.
    "shipping-poll-tracking": {"task": "shipping.poll_tracking", "schedule": crontab(minute="*/30")},
    # Deliveries whose processing task was lost (broker down, worker killed) are queued again.
    "orders-inbox-sweep": {"task": "orders.sweep_inbox", "schedule": SWEEP_SECONDS},
    # Pending orders whose allocation task was lost are allocated.
    "orders-allocation-sweep": {"task": "orders.sweep_pending_orders", "schedule": SWEEP_SECONDS},
    # Pack closes a crash left between their steps: labels bought again with the same references, or undone.
    "warehouse-pack-close-sweep": {"task": "warehouse.sweep_pack_closes", "schedule": 120.0},
    # Voids asked of the carrier whose answer was never recorded: asked again.
    "shipping-void-sweep": {"task": "shipping.sweep_voids", "schedule": 120.0},
    "returns-propose-flush": {"task": "returns.propose_flush_batches", "schedule": crontab(hour=4, minute=15)},
    "returns-label-sweep": {"task": "returns.sweep_return_labels", "schedule": crontab(minute="*/10")},
    # Cycle counts due by velocity class (A most often), raised once a day before the first shift.
    "warehouse-schedule-counts": {"task": "warehouse.schedule_counts", "schedule": crontab(hour=4, minute=45)},
    # Orders about to miss their ship-by: priority raised, floor managers told (once per order).
    "ops-watch-sla": {"task": "ops.watch_sla", "schedule": crontab(minute="*/5")},
    # Drift findings, parked storefront messages, ageing discrepancies, full facilities: told once each.
    "ops-raise-alerts": {"task": "ops.raise_alerts", "schedule": crontab(minute="*/10")},
    # The dashboards' daily rollups: closed days summed once (the last two again, so late events land).
    "ops-refresh-rollups": {"task": "ops.refresh_rollups", "schedule": crontab(minute="*/15")},
    # End of day: each warehouse past its cut-off (its own time zone) closes its day once: manifests, reservations, report.
    "ops-close-days": {"task": "ops.close_days", "schedule": crontab(minute="*/5")},
    # Pick faces under their minimum, or short of what waiting orders need, get a replenishment task.
    "warehouse-replenishment-sweep": {"task": "warehouse.sweep_replenishment", "schedule": 60.0},
    # Outbound event webhooks: new domain events fanned out to subscriptions, due deliveries queued (retries and
    # deliveries whose task was lost included).
    "integrations-events-sweep": {"task": "integrations.sweep_events", "schedule": 10.0},
    # Expired sellable lots in storage go to quarantine through the ledger.
    "inventory-block-expired": {"task": "inventory.block_expired", "schedule": crontab(minute=5)},
    # 3PL billing: domain events into billable events, and each day's storage (bins and cubic feet) near its end.
    "billing-sweep-events": {"task": "billing.sweep_events", "schedule": 60.0},
    "billing-snapshot-storage": {"task": "billing.snapshot_storage", "schedule": crontab(hour=23, minute=50)},
}
