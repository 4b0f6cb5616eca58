"""Billing's beat jobs: domain events into billable events (every minute), storage snapshots (daily)."""

from __future__ import annotations

from celery import shared_task

from billing.services.recording import events_sweep, storage_snapshot


@shared_task(name="billing.sweep_events", ignore_result=True)
def sweep_events() -> int:
    return events_sweep()


@shared_task(name="billing.snapshot_storage", ignore_result=True)
def snapshot_storage() -> int:
    return storage_snapshot()
