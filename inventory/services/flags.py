"""Flagging a product in a bin while a discrepancy is open: the units stay on hand but are not
available and are not offered to pickers or allocation until the flag is cleared."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.actors import actor_label
from inventory.models import BinStock, Condition, Product, StockFlag, StockLevel
from inventory.services.operation import StockOperation, check_bin
from layout.models import Bin


@transaction.atomic
def stock_flag(*, product: Product, bin: Bin, actor, reason: str, reference: str = "") -> StockFlag:
    """Idempotent: flagging an already flagged product in a bin returns the open flag."""
    check_bin(bin)
    op = StockOperation(product=product, warehouse_id=bin.warehouse_id, actor=actor, reason=reason, reference=reference)
    existing = StockFlag.objects.filter(product=product, bin=bin, cleared_at__isnull=True).first()
    if existing:
        op.finish()
        return existing
    flag = StockFlag.objects.create(product=product, bin=bin, reason=reason, reference=reference, flagged_by=actor_label(actor))
    rows = BinStock.objects.filter(product=product, bin=bin)
    newly_unavailable = rows.filter(condition=Condition.SELLABLE, is_flagged=False).aggregate(n=Sum("qty"))["n"] or 0
    rows.update(is_flagged=True)
    op.make_unavailable(newly_unavailable)
    op.finish()
    return flag


@transaction.atomic
def stock_unflag(*, product: Product, bin: Bin, actor, reason: str = "") -> StockLevel:
    op = StockOperation(product=product, warehouse_id=bin.warehouse_id, actor=actor, reason=reason)
    StockFlag.objects.filter(product=product, bin=bin, cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_by=actor_label(actor)
    )
    rows = BinStock.objects.filter(product=product, bin=bin)
    available_again = rows.filter(condition=Condition.SELLABLE, is_flagged=True).aggregate(n=Sum("qty"))["n"] or 0
    rows.update(is_flagged=False)
    op.make_unavailable(-available_again)
    return op.finish()
