"""Grading: each unit gets a grade and a destination by the merchant's rules. Restocked units become
sellable in a pickable bin (picked like new stock); the others wait as damaged in the holding bin for a
flush batch."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.actors import actor_label
from inventory.models import BinStock, Condition
from inventory.services.stock import stock_change_condition, stock_move
from layout.models import Bin
from returns.exceptions import ReturnRefused
from returns.locks import lock_rma, lock_unit
from returns.models import (
    Disposition,
    DispositionRule,
    Grade,
    ReturnLine,
    ReturnUnit,
    UnitStatus,
)
from returns.services.receiving import maybe_graded
from returns.services.setup import returns_bins


def grades_for(merchant_id: int):
    """The merchant's own grades and the defaults (a merchant grade with a default's code replaces it)."""
    rows = list(Grade.objects.filter(Q(merchant_id=merchant_id) | Q(merchant__isnull=True), is_active=True))
    own = {g.code for g in rows if g.merchant_id}
    return [g for g in rows if g.merchant_id or g.code not in own]


def grade_for(merchant_id: int, code: str) -> Grade:
    grade = next((g for g in grades_for(merchant_id) if g.code == (code or "").strip().lower()), None)
    if grade is None:
        raise ReturnRefused(f"unknown grade {code!r} (one of {', '.join(g.code for g in grades_for(merchant_id))})")
    return grade


def disposition_for(*, merchant_id: int, grade: Grade, reason_code: str = "") -> str:
    """The merchant's rule for this grade and reason, then for the grade, then the grade's default."""
    rules = {(r.reason_code): r.disposition
             for r in DispositionRule.objects.filter(merchant_id=merchant_id, grade_code=grade.code)}
    return rules.get(reason_code) or rules.get("") or grade.disposition


def restock_bin_for(unit: ReturnUnit) -> Bin | None:
    """Where the same SKU already sits sellable in a pickable bin (consolidate), else the first free shelf."""
    warehouse_id = unit.rma.warehouse_id
    row = (BinStock.objects.filter(product=unit.product, warehouse_id=warehouse_id, condition=Condition.SELLABLE,
                                   qty__gt=0, bin__is_pickable=True, bin__is_active=True, is_flagged=False)
           .exclude(bin__kind__in=[Bin.Kind.TOTE, Bin.Kind.CART, Bin.Kind.RETURNS, Bin.Kind.DOCK, Bin.Kind.PACK_STATION])
           .select_related("bin").order_by("bin__pick_sequence", "bin_id").first())
    if row:
        return row.bin
    return (Bin.objects.filter(warehouse_id=warehouse_id, is_pickable=True, is_active=True, kind__in=[Bin.Kind.SHELF, Bin.Kind.PALLET])
            .order_by("pick_sequence", "pk").first())


@transaction.atomic
def unit_grade(*, unit: ReturnUnit, grade_code: str, actor, disposition: str | None = None, to_bin: Bin | None = None,
               notes: str = "") -> ReturnUnit:
    rma = lock_rma(unit.rma_id)
    unit = lock_unit(unit.pk)
    unit.rma = rma
    if unit.status != UnitStatus.PENDING:
        raise ReturnRefused(f"unit {unit.pk} is already graded ({unit.grade})")
    grade = grade_for(rma.merchant_id, grade_code)
    reason = unit.line.reason.code if unit.line_id else ""
    disposition = disposition or disposition_for(merchant_id=rma.merchant_id, grade=grade, reason_code=reason)
    if disposition not in Disposition.values:
        raise ReturnRefused(f"unknown disposition {disposition!r} (one of {', '.join(Disposition.values)})")
    if disposition == Disposition.RESTOCK and not grade.sellable:
        raise ReturnRefused(f"a {grade.label} unit cannot go back on the shelf")
    if unit.product_id is None and disposition == Disposition.RESTOCK:
        raise ReturnRefused("an item that is not the merchant's product cannot be restocked")
    reference, bins = f"rma:{rma.number}", returns_bins(rma.warehouse)
    destination = None
    if unit.product_id is not None:
        if disposition == Disposition.RESTOCK:
            destination = to_bin or restock_bin_for(unit)
            if destination is None:
                raise ReturnRefused("no pickable bin to restock into: scan one")
            if not destination.is_pickable or destination.warehouse_id != rma.warehouse_id:
                raise ReturnRefused(f"bin {destination.code} is not a pickable bin of {rma.warehouse.code}")
            target_condition = Condition.SELLABLE
        else:
            destination = to_bin or bins.holding
            target_condition = Condition.DAMAGED
        why = f"graded {grade.label}: {Disposition(disposition).label.lower()}"
        stock_change_condition(product=unit.product, bin=unit.intake_bin, qty=1, from_condition=Condition.RETURNED_PENDING,
                               to_condition=target_condition, actor=actor, reason=why, reference=reference)
        if destination.pk != unit.intake_bin_id:
            stock_move(product=unit.product, from_bin=unit.intake_bin, to_bin=destination, qty=1, actor=actor, reason=why,
                       reference=reference, condition=target_condition)
    unit.status, unit.grade, unit.disposition, unit.to_bin = UnitStatus.GRADED, grade, disposition, destination
    unit.notes, unit.graded_by, unit.graded_at = notes[:500], actor_label(actor), timezone.now()
    unit.save(update_fields=["status", "grade", "disposition", "to_bin", "notes", "graded_by", "graded_at"])
    if unit.line_id:
        ReturnLine.objects.filter(pk=unit.line_id).update(graded_qty=F("graded_qty") + 1)
    maybe_graded(rma, actor)
    return unit
