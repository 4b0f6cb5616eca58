"""Inventory flush: units that should not stay in stock (liquidation, donation, destruction, the vendor,
dead SKUs, returned stock stuck over 30 days), removed in an audited batch. Built by a manager or proposed
by the daily job, approved by a second person (never the builder), executed through the ledger with the
disposition as the reason and the cost value written off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.actors import actor_label, actor_user
from core.audit import audit_record
from core.models import AuditAction
from core.roles import may_use
from inventory.models import BinStock, Condition, Product, StockLevel
from inventory.services.stock import stock_flush
from layout.models import Bin, Warehouse
from returns.exceptions import FlushRefused, SecondPersonRequired
from returns.locks import lock_flush_batch
from returns.models import Disposition, FlushBatch, FlushLine, FlushStatus
from returns.services.setup import HOLDING, INTAKE
from returns.state import flush_transition

STUCK_AFTER = dt.timedelta(days=30)
FLUSH_AREA = "returns_flush"


@dataclass(frozen=True)
class FlushItem:
    product: Product
    bin: Bin
    qty: int
    disposition: str
    condition: str = Condition.DAMAGED


@transaction.atomic
def flush_batch_create(*, warehouse: Warehouse, items: Sequence[FlushItem], reason: str, actor) -> FlushBatch:
    if not items:
        raise FlushRefused("a flush batch needs at least one line")
    if not reason.strip():
        raise FlushRefused("a flush batch needs a reason")
    for item in items:
        if item.disposition not in Disposition.values or item.disposition == Disposition.RESTOCK:
            raise FlushRefused(f"{item.disposition!r} is not a flush disposition")
        if item.bin.warehouse_id != warehouse.pk:
            raise FlushRefused(f"bin {item.bin.code} is not in {warehouse.code}")
        if not isinstance(item.qty, int) or item.qty < 1:
            raise FlushRefused("a flush quantity must be a whole number of at least 1")
        if item.condition not in Condition.values:
            raise FlushRefused(f"unknown condition {item.condition!r}")
    batch = FlushBatch.objects.create(warehouse=warehouse, reason=reason[:255], built_by=actor_user(actor),
                                      built_by_label=actor_label(actor))
    FlushLine.objects.bulk_create([
        FlushLine(batch=batch, product=i.product, bin=i.bin, condition=i.condition, qty=i.qty, disposition=i.disposition,
                  unit_cost=i.product.unit_cost)
        for i in items
    ])
    return batch


def flush_batch_propose(*, warehouse: Warehouse, now: dt.datetime | None = None) -> FlushBatch | None:
    """The daily job: returned stock untouched in the returns bins for over 30 days. One open proposal at a
    time per warehouse, so a run twice a day (or twice by a redelivered task) proposes nothing new."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    with transaction.atomic():
        if FlushBatch.objects.filter(warehouse=warehouse, built_by__isnull=True, status=FlushStatus.DRAFT).exists():
            return None
        rows = list(BinStock.objects.filter(warehouse=warehouse, bin__code__in=[INTAKE, HOLDING], qty__gt=0,
                                            updated_at__lt=cutoff).select_related("product", "bin").order_by("pk"))
        if not rows:
            return None
        items = [FlushItem(product=r.product, bin=r.bin, qty=r.qty, condition=r.condition,
                           disposition=Disposition.LIQUIDATE) for r in rows]
        return flush_batch_create(warehouse=warehouse, items=items, actor="flush proposal job",
                                  reason="returned stock held in the returns bins for over 30 days")


@transaction.atomic
def flush_batch_approve(*, batch: FlushBatch, actor) -> FlushBatch:
    batch = lock_flush_batch(batch.pk)
    user = actor_user(actor)
    if user is None or not may_use(user, FLUSH_AREA):
        raise SecondPersonRequired("a flush is approved by a person with the flush role")
    if batch.built_by_id == user.pk:
        raise SecondPersonRequired("a flush batch is approved by a second person, never the one who built it")
    flush_transition(batch=batch, to=FlushStatus.APPROVED, extra={"approved_by": user, "approved_at": timezone.now()})
    _audit(AuditAction.FLUSH_APPROVED, batch, actor, built_by=batch.built_by_label)
    return batch


@transaction.atomic
def flush_batch_execute(*, batch: FlushBatch, actor) -> FlushBatch:
    """Every line leaves through stock_flush, or none does. Levels are taken in primary-key order."""
    batch = lock_flush_batch(batch.pk)
    if batch.status != FlushStatus.APPROVED:
        raise FlushRefused(f"flush batch {batch.pk} is {batch.get_status_display().lower()}: only an approved batch runs")
    lines = list(batch.lines.select_related("product", "bin"))
    level_pk = dict(StockLevel.objects.filter(warehouse=batch.warehouse_id, product__in=[ln.product_id for ln in lines])
                    .values_list("product_id", "pk"))
    total = Decimal("0")
    for line in sorted(lines, key=lambda ln: (level_pk.get(ln.product_id, 0), ln.pk)):
        result = stock_flush(product=line.product, bin=line.bin, qty=line.qty, disposition=line.disposition,
                             condition=line.condition, actor=actor, reason=batch.reason, reference=f"flush:{batch.pk}")
        FlushLine.objects.filter(pk=line.pk).update(value_written_off=result.value_written_off)
        total += result.value_written_off
    flush_transition(batch=batch, to=FlushStatus.EXECUTED, extra={
        "executed_by": actor_label(actor), "executed_at": timezone.now(), "value_written_off": total})
    _audit(AuditAction.FLUSHED, batch, actor, value_written_off=total, lines=[
        {"product": ln.product.sku, "bin": ln.bin.code, "qty": ln.qty, "disposition": ln.disposition} for ln in lines])
    return batch


@transaction.atomic
def flush_batch_cancel(*, batch: FlushBatch, actor) -> FlushBatch:
    batch = lock_flush_batch(batch.pk)
    flush_transition(batch=batch, to=FlushStatus.CANCELLED)
    _audit(AuditAction.FLUSH_CANCELLED, batch, actor)
    return batch


def _audit(action: str, batch: FlushBatch, actor, **details) -> None:
    audit_record(action=action, actor=actor, obj=batch, object_label=f"flush batch {batch.pk}",
                 warehouse_id=batch.warehouse_id, details={"reason": batch.reason, **details})
