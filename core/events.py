"""Recording domain events. A service calls `event_record` inside the transaction of the change it reports, so
an event exists exactly when its change committed; what to do with events (deliver them to subscribed
endpoints, bill them) is the business of their consumers, which read `core.DomainEvent` in their own tasks.

The payload is the event's public body: plain JSON (ids, codes, quantities, ISO timestamps), stable per kind
(see docs/EVENTS.md), never a model's repr."""

from __future__ import annotations

from typing import Any

from core.models import DomainEvent, EventKind


def event_record(
    kind: str, *, merchant_id: int, resource_type: str, resource_id: Any, payload: dict[str, Any] | None = None,
    warehouse_id: int | None = None,
) -> DomainEvent:
    """Record that `kind` happened to the resource; call it in the transaction that made it happen."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    return DomainEvent.objects.create(
        kind=kind, merchant_id=merchant_id, warehouse_id=warehouse_id, resource_type=resource_type[:40],
        resource_id=str(resource_id)[:64], payload=payload or {},
    )
