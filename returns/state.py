"""The RMA and flush batch lifecycles, and the one service that moves each along its table."""

from __future__ import annotations

from django.utils import timezone

from core.actors import actor_label
from core.lifecycle import Lifecycle
from returns.models import (
    FlushBatch,
    FlushStatus,
    ReturnAuthorization,
    ReturnEvent,
    RmaStatus,
)

S = RmaStatus
RMA = Lifecycle("return", RmaStatus, {
    S.REQUESTED: {S.AUTHORIZED, S.CANCELLED},
    S.AUTHORIZED: {S.IN_TRANSIT, S.RECEIVED, S.CANCELLED},
    S.IN_TRANSIT: {S.RECEIVED, S.CANCELLED},
    S.RECEIVED: {S.GRADED},
    S.GRADED: {S.RESOLVED},
    S.RESOLVED: {S.CLOSED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
})

F = FlushStatus
FLUSH = Lifecycle("flush batch", FlushStatus, {
    F.DRAFT: {F.APPROVED, F.CANCELLED},
    F.APPROVED: {F.EXECUTED, F.CANCELLED},
    F.EXECUTED: set(),
    F.CANCELLED: set(),
})

_STAMPS: dict[str, str] = {S.RECEIVED: "received_at", S.GRADED: "graded_at", S.RESOLVED: "resolved_at"}


def rma_transition(*, rma: ReturnAuthorization, to: str, actor, reason: str = "", extra: dict | None = None) -> str:
    """Move a locked RMA along its table; stamps the time it was received, graded and resolved."""
    fields = dict(extra or {})
    if to in _STAMPS and getattr(rma, _STAMPS[to]) is None:
        fields[_STAMPS[to]] = timezone.now()
    previous = RMA.apply(rma, to, extra=fields, label=rma.number or str(rma.pk))
    if previous != to:
        ReturnEvent.objects.create(rma=rma, kind="status", message=f"{RmaStatus(previous).label} → {RmaStatus(to).label}"
                                   + (f": {reason}" if reason else ""), actor_label=actor_label(actor))
    return previous


def flush_transition(*, batch: FlushBatch, to: str, extra: dict | None = None) -> str:
    return FLUSH.apply(batch, to, extra=extra, label=str(batch.pk))
