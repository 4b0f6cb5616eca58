from celery import shared_task

from ops.services import rollups
from ops.services.alerts import (
    ageing_discrepancies_announce,
    capacity_announce,
    drift_findings_announce,
    parked_deliveries_announce,
    sla_risks_escalate,
)
from ops.services.day_close import day_closes_run_due
from ops.services.notifications import notifications_email_pending


@shared_task(name="ops.watch_sla", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def watch_sla() -> dict:
    result = sla_risks_escalate()
    notifications_email_pending()
    return result


@shared_task(name="ops.raise_alerts", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def raise_alerts() -> dict:
    result = {
        "drift": drift_findings_announce(),
        "parked": parked_deliveries_announce(),
        "discrepancies": ageing_discrepancies_announce(),
        "capacity": capacity_announce(),
    }
    result["emailed"] = notifications_email_pending()
    return result


@shared_task(name="ops.refresh_rollups", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def refresh_rollups() -> dict:
    """The dashboards' daily rollups: the last two closed days again, and any recent day not rolled up yet."""
    return rollups.refresh_rollups()


@shared_task(name="ops.close_days", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def close_days() -> dict:
    """End of day for every warehouse past its cut-off whose day is not closed yet (safe to run twice)."""
    return day_closes_run_due()
